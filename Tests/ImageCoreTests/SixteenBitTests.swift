import Testing
@testable import ImageCore

/// 16-bit samples must be scaled to 8 bits (v × 255 / 65535, rounded), not cut to their high byte:
/// cutting turns 0x00FF into 0 and 0xFF00 into 255. The file is written by hand, uncompressed, so the
/// test knows every sample.
@Suite struct SixteenBitTests {
    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return b << 16 | a
    }

    /// A one-row 16-bit grey PNG whose IDAT is a zlib stream with one stored (uncompressed) block.
    static func greyPNG16(_ samples: [UInt16]) -> [UInt8] {
        let row: [UInt8] = [0] + samples.flatMap { (sample: UInt16) -> [UInt8] in [UInt8(sample >> 8), UInt8(sample & 0xFF)] }
        let length = UInt16(row.count)
        let stored: [UInt8] = [0x78, 0x01, 0x01, UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)]
        let adler = adler32(row)
        let zlib = stored + row + [UInt8(adler >> 24), UInt8((adler >> 16) & 0xFF), UInt8((adler >> 8) & 0xFF), UInt8(adler & 0xFF)]
        let ihdr = Fixtures.be32(samples.count) + Fixtures.be32(1) + [16, 0, 0, 0, 0]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Fixtures.pngChunk("IHDR", ihdr)
            + Fixtures.pngChunk("IDAT", zlib) + Fixtures.pngChunk("IEND", [])
    }

    @Test func samplesAreScaledNotCut() throws {
        let samples: [UInt16] = [0x0000, 0x00FF, 0x01FE, 0x8080, 0xFF00, 0xFFFF]
        let image = try ImageDecoder.decode(bytes: Self.greyPNG16(samples), path: "16.png")
        #expect(image.info.bitDepth == 16)
        #expect(image.pixels.layout == .grey)
        #expect(image.pixels.pixels == [0, 1, 2, 128, 254, 255])
    }
}
