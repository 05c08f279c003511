import Foundation
import Testing
@testable import ImageCore

/// Thumbnails of a picture decoded once in full, as the pipeline makes them of an output it decoded at
/// download for its checks and verify.
@Suite struct ThumbnailFromDecodedTests {
    /// Same size, orientation and colours as the thumbnail made from the file (which decodes at a reduced
    /// scale), within what the two reductions' rounding differs by; and no second decode.
    @Test(arguments: [ImageFormat.jpeg, .png, .webp])
    func agreesWithTheThumbnailOfTheFile(format: ImageFormat) throws {
        let pixels = Fixtures.picture(width: 640, height: 480, layout: format == .jpeg ? .rgb : .rgba)
        // The JPEG is stored on its side (EXIF orientation 6), so the upright picture is 480×640.
        let bytes = format == .jpeg
            ? try Fixtures.jpegWithOrientation(6, pixels: pixels) : try Fixtures.encoded(format, pixels, options: EncodeOptions(lossless: true))
        let path = try ColourTests.temporaryFile("decoded.\(format.fileExtension)", bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let options = ThumbnailOptions.size(64)
        let fromFile = try Thumbnailer.thumbnail(path: path, options: options)
        let fromDecoded = try Thumbnailer.thumbnail(of: ImageDecoder.decode(path: path), path: path, options: options)
        #expect(fromDecoded.decisions.first?.hasPrefix("loader: decoded already") == true, "\(fromDecoded.decisions)")
        #expect(!fromDecoded.decisions.contains { $0.hasPrefix("orientation:") }, "upright already: \(fromDecoded.decisions)")
        let expected = format == .jpeg ? (48, 64) : (64, 48)
        #expect(fromDecoded.pixels.width == expected.0 && fromDecoded.pixels.height == expected.1)
        #expect(fromFile.pixels.width == expected.0 && fromFile.pixels.height == expected.1)
        #expect(fromDecoded.pixels.layout == fromFile.pixels.layout)
        #expect(Fixtures.meanDifference(fromDecoded.pixels, fromFile.pixels) < 3)
    }
}
