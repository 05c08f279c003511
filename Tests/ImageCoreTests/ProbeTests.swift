import Foundation
import Testing
@testable import ImageCore

@Suite struct ProbeTests {
    @Test(arguments: ImageFormat.allCases)
    func formatIsDecidedByContentNotName(format: ImageFormat) throws {
        let directory = try Fixtures.temporaryDirectory()
        let path = directory + "/mislabelled.gif"
        try Data(Fixtures.encoded(format)).write(to: URL(fileURLWithPath: path))
        let info = try ImageProbe.probe(path: path)
        #expect(info.format == format)
        #expect(info.storedWidth == 64 && info.storedHeight == 48)
    }

    @Test(arguments: 1...8)
    func jpegOrientationSwapsUprightSize(orientation: Int) throws {
        let info = try ImageProbe.probe(bytes: Fixtures.jpegWithOrientation(orientation), path: "o.jpg")
        #expect(info.orientation.rawValue == orientation)
        #expect(info.storedWidth == 64 && info.storedHeight == 48)
        #expect(info.width == (orientation >= 5 ? 48 : 64))
        #expect(info.height == (orientation >= 5 ? 64 : 48))
    }

    @Test(arguments: [1, 3, 6, 8])
    func pngAndWebPCarryOrientationToo(orientation: Int) throws {
        let png = try ImageProbe.probe(bytes: Fixtures.pngWithOrientation(orientation), path: "o.png")
        #expect(png.orientation.rawValue == orientation)
        let webp = try ImageProbe.probe(bytes: Fixtures.webpWithOrientation(orientation), path: "o.webp")
        #expect(webp.orientation.rawValue == orientation)
        #expect(webp.width == (orientation >= 5 ? 48 : 64))
    }

    @Test func bigEndianExifAndOutOfRangeValues() throws {
        let jpeg = try Fixtures.encoded(.jpeg)
        for (value, expected) in [(6, Orientation.right), (0, .up), (9, .up)] {
            let payload = Array("Exif".utf8) + [0, 0] + Fixtures.exif(orientation: value, bigEndian: true)
            let bytes = Array(jpeg[0..<2]) + [0xFF, 0xE1, 0, UInt8(payload.count + 2)] + payload + Array(jpeg[2...])
            #expect(try ImageProbe.probe(bytes: bytes, path: "be.jpg").orientation == expected)
        }
    }

    @Test func animatedWebPIsReportedAndDecodesItsFirstFrame() throws {
        let first = Fixtures.picture(width: 24, height: 16, layout: .rgba)
        let bytes = try Fixtures.animatedWebP(first: first)
        let info = try ImageProbe.probe(bytes: bytes, path: "anim.webp")
        #expect(info.isAnimated && info.hasAlpha)
        let decoded = try ImageDecoder.decode(bytes: bytes, path: "anim.webp")
        #expect(decoded.pixels.width == 24 && decoded.pixels.height == 16 && decoded.pixels.layout == .rgba)
        #expect(decoded.pixels[1, 1] == first[1, 1])
    }

    /// The header is all probe reads: a file whose image data is garbage still probes.
    @Test func probeReadsOnlyTheHeader() throws {
        var jpeg = try Fixtures.encoded(.jpeg, Fixtures.picture(width: 256, height: 256))
        for index in (jpeg.count - 200)..<(jpeg.count - 2) { jpeg[index] = 0x55 }
        #expect(try ImageProbe.probe(bytes: jpeg, path: "x.jpg").storedWidth == 256)
    }

    @Test func limitsAreCheckedFromTheHeader() throws {
        let hostile = Fixtures.hostilePNG(width: 200_000, height: 200_000)
        #expect(throws: ProbeError.tooManyPixels(path: "big.png", width: 200_000, height: 200_000, limit: 100_000_000)) {
            try ImageProbe.probe(bytes: hostile, path: "big.png")
        }
        // Decoding refuses it the same way, before allocating 160 GB.
        #expect(throws: ProbeError.tooManyPixels(path: "big.png", width: 200_000, height: 200_000, limit: 100_000_000)) {
            try ImageDecoder.decode(bytes: hostile, path: "big.png")
        }
        let small = try Fixtures.encoded(.png)
        #expect(throws: ProbeError.tooManyBytes(path: "s.png", bytes: small.count, limit: 100)) {
            try ImageProbe.probe(bytes: small, path: "s.png", limits: ImageLimits(maxBytes: 100))
        }
        #expect(throws: ProbeError.tooManyPixels(path: "s.png", width: 64, height: 48, limit: 1000)) {
            try ImageProbe.probe(bytes: small, path: "s.png", limits: ImageLimits(maxPixels: 1000))
        }
    }

    @Test func hugeJPEGFrameIsRefusedBeforeAllocation() throws {
        var jpeg = try Fixtures.encoded(.jpeg)
        // Patch the SOF0 frame header to 65535×65535.
        let sof = try #require((0..<jpeg.count - 1).first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 })
        jpeg[sof + 5] = 0xFF; jpeg[sof + 6] = 0xFF; jpeg[sof + 7] = 0xFF; jpeg[sof + 8] = 0xFF
        #expect(throws: ProbeError.tooManyPixels(path: "huge.jpg", width: 65535, height: 65535, limit: 100_000_000)) {
            try ImageDecoder.decode(bytes: jpeg, path: "huge.jpg")
        }
    }

    @Test func aLargeFileCostsNoMoreThanASmallOne() throws {
        // 30 MB of JPEG: a real header followed by filler. Probe reads a few kilobytes of it.
        let directory = try Fixtures.temporaryDirectory()
        let path = directory + "/large.jpg"
        let header = try Fixtures.encoded(.jpeg)
        FileManager.default.createFile(atPath: path, contents: Data(header + [UInt8](repeating: 0, count: 29_000_000)))
        let source = try ByteSource(path: path)
        defer { source.close() }
        let info = try ImageProbe.probe(source, limits: .reference)
        #expect(info.bytes == header.count + 29_000_000)
        #expect(source.bytesRead <= 8192)
    }
}
