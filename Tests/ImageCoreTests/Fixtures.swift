@testable import ImageCore
import Foundation

/// Pictures and files made in code, so that most tests need nothing from outside the repository.
enum Fixtures {
    /// A deterministic picture with structure in every channel: gradients plus a few hard edges, so that
    /// orientation mistakes and channel swaps show.
    static func picture(width: Int = 64, height: Int = 48, layout: PixelLayout = .rgb) -> PixelBuffer {
        var pixels = [UInt8](repeating: 0, count: width * height * layout.channels)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * layout.channels
                let r = UInt8(x * 255 / max(width - 1, 1))
                let g = UInt8(y * 255 / max(height - 1, 1))
                let b: UInt8 = (x < width / 4 && y < height / 4) ? 255 : 40
                switch layout {
                case .grey: pixels[i] = r / 2 + g / 2
                case .greyAlpha: pixels[i] = r / 2 + g / 2; pixels[i + 1] = UInt8(x * 255 / max(width - 1, 1))
                case .rgb: pixels[i] = r; pixels[i + 1] = g; pixels[i + 2] = b
                case .rgba: pixels[i] = r; pixels[i + 1] = g; pixels[i + 2] = b; pixels[i + 3] = x < width / 2 ? 255 : 0
                }
            }
        }
        return PixelBuffer(width: width, height: height, layout: layout, pixels: pixels)
    }

    static func encoded(_ format: ImageFormat, _ pixels: PixelBuffer = picture(), options: EncodeOptions = EncodeOptions(),
                        icc: [UInt8]? = nil) throws -> [UInt8] {
        try ImageEncoder.encode(pixels, as: format, options: options, iccProfile: icc)
    }

    /// A minimal TIFF structure whose IFD0 holds only the orientation tag.
    static func exif(orientation: Int, bigEndian: Bool = false) -> [UInt8] {
        if bigEndian {
            return [0x4D, 0x4D, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, UInt8(orientation), 0, 0, 0, 0, 0, 0]
        }
        return [0x49, 0x49, 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, UInt8(orientation), 0, 0, 0, 0, 0, 0, 0]
    }

    /// A JPEG with an APP1 EXIF segment right after SOI.
    static func jpegWithOrientation(_ orientation: Int, pixels: PixelBuffer = picture()) throws -> [UInt8] {
        let jpeg = try encoded(.jpeg, pixels, options: EncodeOptions(quality: 95))
        let payload = Array("Exif".utf8) + [0, 0] + exif(orientation: orientation)
        let length = payload.count + 2
        return Array(jpeg[0..<2]) + [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload + Array(jpeg[2...])
    }

    /// A PNG chunk with its length and CRC.
    static func pngChunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return be32(data.count) + body + be32(Int(LibPNG.crc32(body)))
    }

    /// A PNG with an eXIf chunk right after IHDR.
    static func pngWithOrientation(_ orientation: Int, pixels: PixelBuffer = picture()) throws -> [UInt8] {
        let png = try encoded(.png, pixels)
        return Array(png[0..<33]) + pngChunk("eXIf", exif(orientation: orientation)) + Array(png[33...])
    }

    /// A PNG that claims to be `width`×`height` but holds almost no data: costs nothing unless decoded blindly.
    static func hostilePNG(width: Int, height: Int) -> [UInt8] {
        let ihdr = be32(width) + be32(height) + [8, 6, 0, 0, 0]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + pngChunk("IHDR", ihdr)
            + pngChunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]) + pngChunk("IEND", [])
    }

    /// The chunks of a simple WebP file after its 12-byte RIFF header.
    static func webpChunks(_ webp: [UInt8]) -> [UInt8] { Array(webp[12...]) }

    static func riffChunk(_ fourCC: String, _ payload: [UInt8]) -> [UInt8] {
        Array(fourCC.utf8) + le32(payload.count) + payload + (payload.count % 2 == 1 ? [0] : [])
    }

    static func riff(_ chunks: [UInt8]) -> [UInt8] {
        Array("RIFF".utf8) + le32(chunks.count + 4) + Array("WEBP".utf8) + chunks
    }

    static func vp8x(flags: UInt8, width: Int, height: Int) -> [UInt8] {
        riffChunk("VP8X", [flags, 0, 0, 0] + le24(width - 1) + le24(height - 1))
    }

    /// An extended WebP (VP8X) with an EXIF chunk after the image data.
    static func webpWithOrientation(_ orientation: Int, pixels: PixelBuffer = picture()) throws -> [UInt8] {
        let plain = try encoded(.webp, pixels, options: EncodeOptions(lossless: true))
        return riff(vp8x(flags: 0x08, width: pixels.width, height: pixels.height) + webpChunks(plain)
            + riffChunk("EXIF", exif(orientation: orientation)))
    }

    /// An animated WebP of two lossless frames: the first is `first`, the second a flat grey.
    static func animatedWebP(first: PixelBuffer) throws -> [UInt8] {
        let grey = PixelBuffer(width: first.width, height: first.height, layout: .rgba,
                               pixels: [UInt8](repeating: 128, count: first.width * first.height * 4))
        func frame(_ pixels: PixelBuffer) throws -> [UInt8] {
            let plain = try encoded(.webp, pixels, options: EncodeOptions(lossless: true))
            let header = [0, 0, 0, 0, 0, 0] + le24(pixels.width - 1) + le24(pixels.height - 1) + le24(100) + [0]
            return riffChunk("ANMF", header + webpChunks(plain))
        }
        let anim = riffChunk("ANIM", [0, 0, 0, 0, 0, 0])
        return riff(vp8x(flags: 0x02 | 0x10, width: first.width, height: first.height) + anim
            + (try frame(first)) + (try frame(grey)))
    }

    static func be32(_ value: Int) -> [UInt8] {
        [UInt8((value >> 24) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    static func le32(_ value: Int) -> [UInt8] {
        [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8((value >> 24) & 0xFF)]
    }

    static func le24(_ value: Int) -> [UInt8] {
        [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF)]
    }

    /// An ICC profile that passes libpng's checks (size, signature, D50 illuminant, a tag table inside the
    /// profile). Its tag data is noise so that it does not compress below 92 bytes, which libpng's iCCP
    /// reader refuses as "too short". The codecs carry profiles as bytes, they do not interpret them.
    static let iccProfile: [UInt8] = {
        var bytes = [UInt8](repeating: 0, count: 420)
        bytes[0..<4] = [0, 0, 1, 164]
        bytes[8..<12] = [2, 0x10, 0, 0]
        bytes[12..<16] = Array("mntr".utf8)[0..<4]
        bytes[16..<20] = Array("RGB ".utf8)[0..<4]
        bytes[20..<24] = Array("XYZ ".utf8)[0..<4]
        bytes[36..<40] = Array("acsp".utf8)[0..<4]
        bytes[68..<80] = [0, 0, 0xF6, 0xD6, 0, 1, 0, 0, 0, 0, 0xD3, 0x2D]
        bytes[128..<132] = [0, 0, 0, 1]
        bytes[132..<144] = Array("desc".utf8)[0..<4] + [0, 0, 0, 144, 0, 0, 1, 20]
        var generator = SeededGenerator(seed: 42)
        for index in 144..<420 { bytes[index] = UInt8.random(in: 0...255, using: &generator) }
        return bytes
    }()

    /// Largest per-sample difference between two buffers of the same size and layout.
    static func maxDifference(_ a: PixelBuffer, _ b: PixelBuffer) -> Int {
        zip(a.pixels, b.pixels).reduce(0) { max($0, abs(Int($1.0) - Int($1.1))) }
    }

    /// Mean per-sample difference, for lossy comparisons.
    static func meanDifference(_ a: PixelBuffer, _ b: PixelBuffer) -> Double {
        let total = zip(a.pixels, b.pixels).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }
        return Double(total) / Double(max(a.pixels.count, 1))
    }

    /// A fresh empty directory under the system's temporary directory.
    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "imagepipe-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// The public conformance suites in ../shared/testdata beside the checkout (or $IMAGEPIPE_TESTDATA).
enum Conformance {
    static let root: String? = {
        if let explicit = ProcessInfo.processInfo.environment["IMAGEPIPE_TESTDATA"] { return explicit }
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let candidate = package.deletingLastPathComponent().appendingPathComponent("shared/testdata").path
        return FileManager.default.fileExists(atPath: candidate) ? candidate : nil
    }()

    /// The files of one suite folder with the given extension, sorted; empty when the suite is absent.
    static func files(_ folder: String, ext: String) -> [String] {
        guard let root else { return [] }
        let directory = root + "/" + folder
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix("." + ext) }.sorted().map { directory + "/" + $0 }
    }

    static let missingNote = "../shared/testdata is absent: conformance suites skipped"
}
