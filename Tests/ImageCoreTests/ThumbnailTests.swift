import Foundation
import Testing
@testable import ImageCore

@Suite struct ThumbnailPlanTests {
    static func info(_ width: Int, _ height: Int, orientation: Orientation = .up) -> ImageInfo {
        ImageInfo(format: .jpeg, storedWidth: width, storedHeight: height, orientation: orientation, bytes: 1,
                  hasAlpha: false, colorModel: .rgb)
    }

    @Test func insideKeepsTheRatio() {
        let plan = ThumbnailPlan(info: Self.info(5120, 2880), options: .size(256))
        #expect(plan.outputWidth == 256 && plan.outputHeight == 144)
        #expect(plan.jpegScale == 8)
    }

    @Test func orientationIsAppliedBeforeFitting() {
        // Stored landscape, displayed portrait: the box applies to the upright picture.
        let plan = ThumbnailPlan(info: Self.info(4000, 3000, orientation: .right), options: .size(200))
        #expect(plan.outputWidth == 150 && plan.outputHeight == 200)
        #expect(plan.storedTargetWidth == 200 && plan.storedTargetHeight == 150)
    }

    @Test func coverAndPadProduceTheBox() {
        let cover = ThumbnailPlan(info: Self.info(1000, 500), options: ThumbnailOptions(width: 100, height: 100, fit: .cover))
        #expect(cover.resizedWidth == 200 && cover.resizedHeight == 100)
        #expect(cover.outputWidth == 100 && cover.outputHeight == 100)
        let pad = ThumbnailPlan(info: Self.info(1000, 500), options: ThumbnailOptions(width: 100, height: 100, fit: .pad))
        #expect(pad.resizedWidth == 100 && pad.resizedHeight == 50)
        #expect(pad.outputWidth == 100 && pad.outputHeight == 100)
    }

    @Test func widthAloneAndNoUpscaling() {
        let wide = ThumbnailPlan(info: Self.info(1000, 500), options: ThumbnailOptions(width: 300, height: nil))
        #expect(wide.outputWidth == 300 && wide.outputHeight == 150)
        let small = ThumbnailPlan(info: Self.info(100, 50), options: .size(256))
        #expect(small.outputWidth == 100 && small.outputHeight == 50)
        let enlarged = ThumbnailPlan(info: Self.info(100, 50), options: ThumbnailOptions(width: 256, height: 256, upscale: true))
        #expect(enlarged.outputWidth == 256 && enlarged.outputHeight == 128)
    }

    /// The DCT scale leaves at least a 2× reduction for the filter, like libvips.
    @Test(arguments: [(40.0, 8), (16.0, 8), (15.9, 4), (8.0, 4), (5.0, 2), (3.9, 1), (1.0, 1)])
    func jpegScaleLeavesRoomForTheFilter(reduction: Double, scale: Int) {
        let side = Int((256 * reduction).rounded())
        let plan = ThumbnailPlan(info: Self.info(side, side), options: .size(256))
        #expect(plan.jpegScale == scale)
    }

    @Test func badOptionsAreNamed() {
        #expect(ThumbnailOptions(width: -3, height: 10).problems == ["expected a positive integer for width but received -3"])
        #expect(ThumbnailOptions(width: 10, height: nil, fit: .cover).problems == ["--fit cover needs both a width and a height (or --size)"])
    }
}

@Suite struct ThumbnailerTests {
    static func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = try Fixtures.temporaryDirectory() + "/" + name
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    @Test(arguments: ImageFormat.allCases)
    func everyFormatShrinksToTheBox(format: ImageFormat) throws {
        let path = try Self.write(Fixtures.encoded(format, Fixtures.picture(width: 640, height: 480)), "big.\(format.fileExtension)")
        let thumbnail = try Thumbnailer.thumbnail(path: path, options: .size(64))
        #expect(thumbnail.pixels.width == 64 && thumbnail.pixels.height == 48)
        #expect(!thumbnail.decisions.isEmpty)
        // The picture survives: the red gradient runs left to right, the green one top to bottom.
        let left = thumbnail.pixels[2, 24], right = thumbnail.pixels[61, 24]
        #expect(Int(right[right.startIndex]) - Int(left[left.startIndex]) > 180)
        if format == .jpeg { #expect(thumbnail.decisions[0].contains("DCT scale 1/4")) }
    }

    @Test func shrinkOnLoadMatchesAFullDecode() throws {
        // The thumbnail made through DCT scaling and box reduction is close to one made from the full picture.
        let picture = Fixtures.picture(width: 1024, height: 768)
        let bytes = try Fixtures.encoded(.jpeg, picture, options: EncodeOptions(quality: 95))
        let fast = try Thumbnailer.thumbnail(bytes: bytes, path: "p.jpg", options: .size(128))
        let full = try ImageDecoder.decode(bytes: bytes, path: "p.jpg").pixels
        var working = BoxReducer(width: full.width, height: full.height, layout: full.layout, factor: 1, tables: .gamma)
        full.pixels.withUnsafeBufferPointer { working.consume($0.baseAddress!, count: full.height) }
        let direct = LanczosResampler.resize(working.finish(), width: 128, height: 96).pixelBuffer(tables: .gamma)
        #expect(Fixtures.meanDifference(fast.pixels, direct) < 2.5)
    }

    @Test(arguments: [3, 6, 8])
    func orientationComesOutUpright(orientation: Int) throws {
        let upright = Fixtures.picture(width: 400, height: 300)
        // Storing under orientation N means applying N's inverse: 6 and 8 undo each other, the rest undo themselves.
        let inverse = [6: Orientation.left, 8: .right][orientation] ?? Orientation(exifValue: orientation)
        let stored = upright.oriented(inverse)
        let jpeg = try Fixtures.encoded(.jpeg, stored, options: EncodeOptions(quality: 95))
        let payload = Array("Exif".utf8) + [0, 0] + Fixtures.exif(orientation: orientation)
        let bytes = Array(jpeg[0..<2]) + [0xFF, 0xE1, 0, UInt8(payload.count + 2)] + payload + Array(jpeg[2...])
        let thumbnail = try Thumbnailer.thumbnail(bytes: bytes, path: "o.jpg", options: .size(100))
        let expected = try Thumbnailer.thumbnail(
            bytes: Fixtures.encoded(.jpeg, upright, options: EncodeOptions(quality: 95)), path: "u.jpg", options: .size(100))
        #expect(thumbnail.pixels.width == 100 && thumbnail.pixels.height == 75)
        #expect(Fixtures.meanDifference(thumbnail.pixels, expected.pixels) < 3)
    }

    /// Transparent pixels often hold junk colour (here bright green). Filtering in premultiplied alpha
    /// keeps it out of the visible edge; filtering straight alpha would tint the red shape's border green.
    @Test(arguments: [ImageFormat.png, .webp])
    func transparentEdgesStayClean(format: ImageFormat) throws {
        var pixels = [UInt8]()
        for _ in 0..<200 { for x in 0..<300 { pixels += x < 150 ? [220, 20, 20, 255] : [0, 255, 0, 0] } }
        let source = PixelBuffer(width: 300, height: 200, layout: .rgba, pixels: pixels)
        let bytes = try Fixtures.encoded(format, source, options: EncodeOptions(lossless: true))
        let thumbnail = try Thumbnailer.thumbnail(bytes: bytes, path: "cut.\(format.fileExtension)", options: .size(60))
        #expect(thumbnail.pixels.layout == .rgba)
        for index in 0..<thumbnail.pixels.width * thumbnail.pixels.height where thumbnail.pixels.pixels[index * 4 + 3] > 8 {
            #expect(thumbnail.pixels.pixels[index * 4 + 1] < 40, "green fringe at pixel \(index)")
        }
    }

    @Test func coverCropsAndPadFills() throws {
        let bytes = try Fixtures.encoded(.png, Fixtures.picture(width: 400, height: 200))
        let cover = try Thumbnailer.thumbnail(bytes: bytes, path: "c.png", options: ThumbnailOptions(width: 50, height: 50, fit: .cover))
        #expect(cover.pixels.width == 50 && cover.pixels.height == 50)
        let pad = try Thumbnailer.thumbnail(
            bytes: bytes, path: "p.png", options: ThumbnailOptions(width: 50, height: 50, fit: .pad, background: RGB(red: 1, green: 2, blue: 3)))
        #expect(pad.pixels.width == 50 && pad.pixels.height == 50)
        #expect(Array(pad.pixels[0, 0]) == [1, 2, 3])
        #expect(Array(pad.pixels[25, 25]) != [1, 2, 3])
    }

    @Test func linearLightAveragesTrueLight() throws {
        // A fine black-and-white checkerboard averages to mid-grey 128 on stored values, but to about 188
        // in linear light (half the light of white, sRGB-encoded).
        var pixels = [UInt8]()
        for y in 0..<64 { for x in 0..<64 { pixels.append((x + y) % 2 == 0 ? 0 : 255) } }
        let bytes = try Fixtures.encoded(.png, PixelBuffer(width: 64, height: 64, layout: .grey, pixels: pixels))
        let gamma = try Thumbnailer.thumbnail(bytes: bytes, path: "g.png", options: .size(8))
        var options = ThumbnailOptions.size(8)
        options.light = .linear
        let linear = try Thumbnailer.thumbnail(bytes: bytes, path: "l.png", options: options)
        #expect(abs(Int(gamma.pixels[4, 4].first!) - 128) <= 2)
        #expect(abs(Int(linear.pixels[4, 4].first!) - 188) <= 2)
    }

    @Test func iccProfileIsCarriedOver() throws {
        let directory = try Fixtures.temporaryDirectory()
        let input = directory + "/in.jpg"
        FileManager.default.createFile(atPath: input, contents: Data(try Fixtures.encoded(.jpeg, Fixtures.picture(width: 300, height: 200), icc: Fixtures.iccProfile)))
        try Thumbnailer.write(input: input, to: directory + "/out.webp", options: ThumbnailOptions(width: 50, height: 50, format: .webp))
        #expect(try ImageDecoder.decode(path: directory + "/out.webp").iccProfile == Fixtures.iccProfile)
    }

    @Test func truncatedInputIsAnErrorNotAGreyThumbnail() throws {
        let whole = try Fixtures.encoded(.jpeg, Fixtures.picture(width: 800, height: 600))
        #expect(throws: DecodeError.self) {
            try Thumbnailer.thumbnail(bytes: Array(whole[0..<(whole.count * 2 / 3)]), path: "cut.jpg", options: .size(64))
        }
        let png = try Fixtures.encoded(.png, Fixtures.picture(width: 800, height: 600))
        #expect(throws: DecodeError.self) {
            try Thumbnailer.thumbnail(bytes: Array(png[0..<(png.count * 2 / 3)]), path: "cut.png", options: .size(64))
        }
    }

    /// A thumbnail under the default `--fail-on truncated` skips zlib's Adler-32 of the image data, which
    /// each chunk's CRC already guards: a wrong Adler-32 over intact, correctly CRC'd chunks passes there
    /// (it did not before), and is still corrupt to a full decode and a thumbnail under `--fail-on error`.
    @Test func aWrongAdler32IsCaughtWhereTheCheckIsStrict() throws {
        let png = try Fixtures.encoded(.png, Fixtures.picture(width: 300, height: 200))
        var chunks: [(type: String, data: [UInt8])] = []
        var offset = 8
        while offset + 12 <= png.count {
            let length = png[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            let type = String(decoding: png[offset + 4..<offset + 8], as: UTF8.self)
            chunks.append((type, Array(png[offset + 8..<offset + 8 + length])))
            offset += 12 + length
        }
        let last = try #require(chunks.lastIndex { $0.type == "IDAT" })
        chunks[last].data[chunks[last].data.count - 1] ^= 0xFF
        let damaged = Array(png[0..<8]) + chunks.flatMap { Fixtures.pngChunk($0.type, $0.data) }

        let thumbnail = try Thumbnailer.thumbnail(bytes: damaged, path: "adler.png", options: .size(64))
        let intact = try Thumbnailer.thumbnail(bytes: png, path: "intact.png", options: .size(64))
        #expect(thumbnail.pixels.pixels == intact.pixels.pixels)
        #expect(thumbnail.warnings.isEmpty)
        var strict = ThumbnailOptions.size(64)
        strict.failOn = .error
        #expect {
            try Thumbnailer.thumbnail(bytes: damaged, path: "adler.png", options: strict)
        } throws: { error in
            if case .corrupt(path: "adler.png", format: .png, detail: _) = error as? DecodeError { true } else { false }
        }
        #expect {
            try ImageDecoder.decode(bytes: damaged, path: "adler.png")
        } throws: { error in
            if case .corrupt(path: "adler.png", format: .png, detail: _) = error as? DecodeError { true } else { false }
        }
    }
}

@Suite struct ThumbnailBatchTests {
    /// One worker keeps input order; several start the largest files first, ties and unreadable files
    /// (counted as empty) in input order; an interrupt while the files are sized starts none.
    @Test func severalWorkersStartTheLargestFilesFirst() throws {
        let directory = try Fixtures.temporaryDirectory()
        let sizes = [10, 300, 20, 300, 5000]
        let paths = try sizes.enumerated().map { index, size in
            let path = "\(directory)/\(index).bin"
            try AtomicFile.write([UInt8](repeating: 7, count: size), to: path)
            return path
        } + ["\(directory)/missing.bin"]
        #expect(ThumbnailBatch.startOrder(paths, jobs: 1) == [0, 1, 2, 3, 4, 5])
        #expect(ThumbnailBatch.startOrder(paths, jobs: 2) == [4, 1, 3, 2, 0, 5])
        // Interrupted while sizing: nothing is started.
        #expect(ThumbnailBatch.startOrder(paths, jobs: 2, stop: { true }).isEmpty)
    }

    @Test func namesCollideIntoSuffixesAndBadFilesDoNotStopTheBatch() throws {
        let directory = try Fixtures.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory + "/a", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory + "/b", withIntermediateDirectories: true)
        let inputs = [directory + "/a/shoe.jpg", directory + "/b/shoe.png", directory + "/broken.jpg", directory + "/c.webp"]
        FileManager.default.createFile(atPath: inputs[0], contents: Data(try Fixtures.encoded(.jpeg)))
        FileManager.default.createFile(atPath: inputs[1], contents: Data(try Fixtures.encoded(.png)))
        FileManager.default.createFile(atPath: inputs[2], contents: Data("not an image".utf8))
        FileManager.default.createFile(atPath: inputs[3], contents: Data(try Fixtures.encoded(.webp)))
        let calls = Counter()
        let results = ThumbnailBatch.run(
            inputs: inputs, outputDirectory: directory + "/out", options: ThumbnailOptions(width: 32, height: 32, format: .jpeg),
            jobs: 3, progress: { _, _ in calls.increment() })
        #expect(calls.value == 4)
        #expect(results.map(\.input) == inputs)
        #expect(results[0].output == directory + "/out/shoe.jpg")
        #expect(results[1].output == directory + "/out/shoe-2.jpg")
        #expect(results[2].error?.hasPrefix(inputs[2] + ": not a JPEG, PNG or WebP file") == true)
        #expect(results[3].width == 32)
        let written = try FileManager.default.contentsOfDirectory(atPath: directory + "/out").sorted()
        #expect(written == ["c.jpg", "shoe-2.jpg", "shoe.jpg"])
    }
}

/// A thread-safe counter for progress callbacks.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}

/// Every conformance file makes a thumbnail (or, for PngSuite's corrupt x files, a clean error).
@Suite(.enabled(if: Conformance.root != nil, Comment(rawValue: Conformance.missingNote)))
struct ThumbnailConformanceTests {
    static let files = Conformance.files("pngsuite", ext: "png") + Conformance.files("libwebp", ext: "webp")
        + Conformance.files("exif-orientation", ext: "jpg")

    @Test(arguments: files)
    func thumbnails(path: String) throws {
        let corrupt = path.split(separator: "/").last!.hasPrefix("x")
        do {
            let thumbnail = try Thumbnailer.thumbnail(path: path, options: .size(24))
            #expect(!corrupt, "\(path) should have been rejected")
            #expect(max(thumbnail.pixels.width, thumbnail.pixels.height) <= max(24, thumbnail.info.width, thumbnail.info.height))
        } catch let error as FileError {
            #expect(corrupt, "\(error)")
        }
    }

    @Test(arguments: ["Landscape", "Portrait"])
    func orientationExamplesComeOutUpright(kind: String) throws {
        let root = try #require(Conformance.root)
        let reference = try Thumbnailer.thumbnail(path: "\(root)/exif-orientation/\(kind)_1.jpg", options: .size(64))
        for orientation in 2...8 {
            let thumbnail = try Thumbnailer.thumbnail(path: "\(root)/exif-orientation/\(kind)_\(orientation).jpg", options: .size(64))
            #expect(thumbnail.pixels.width == reference.pixels.width && thumbnail.pixels.height == reference.pixels.height)
            #expect(Fixtures.meanDifference(thumbnail.pixels, reference.pixels) < 6, "\(kind)_\(orientation)")
        }
    }

    @Test func interlacedAndPlainPNGMakeTheSameThumbnail() throws {
        let root = try #require(Conformance.root)
        for name in ["basi6a08", "basi2c16", "basi0g04", "basi3p08"] {
            let interlaced = try Thumbnailer.thumbnail(path: "\(root)/pngsuite/\(name).png", options: .size(16))
            let plain = try Thumbnailer.thumbnail(
                path: "\(root)/pngsuite/\(name.replacingOccurrences(of: "basi", with: "basn")).png", options: .size(16))
            #expect(interlaced.pixels == plain.pixels, "\(name)")
        }
    }
}
