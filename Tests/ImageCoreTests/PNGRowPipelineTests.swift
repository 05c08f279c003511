import Foundation
import Testing
@testable import ImageCore

/// The PNG rows read past libpng (zlib on a second thread, the filters undone here) must be libpng's rows
/// exactly, and every file that is anything but plain must go back to libpng and fail as it always has.
@Suite struct PNGRowPipelineTests {
    /// Every row through `LibPNG.stream`, concatenated, and whether the pipeline gave them.
    func streamed(_ bytes: [UInt8], failOn: FailOn = .truncated, bandRows: Int = 16) throws -> (pixels: [UInt8], pipelined: Bool) {
        var pixels: [UInt8] = []
        let result = try LibPNG.stream(bytes, path: "t.png", failOn: failOn, start: { _, _, _ in
            pixels = []
            return bandRows
        }, consume: { rows, count in
            pixels += UnsafeBufferPointer(start: rows, count: count * rowBytes(bytes))
        })
        return (pixels, result.pipelined)
    }

    /// Bytes a row, 8-bit samples, from the header.
    func rowBytes(_ png: [UInt8]) -> Int {
        let width = png[16..<20].reduce(0) { $0 << 8 | Int($1) }
        return width * [0: 1, 2: 3, 4: 2, 6: 4][Int(png[25])]!
    }

    /// A filter type's prediction of a byte from its left (`a`), upper (`b`) and upper-left (`c`)
    /// neighbours, straight from the PNG specification (clause 9.2 and 9.4).
    static func prediction(_ filter: UInt8, a: Int, b: Int, c: Int) -> Int {
        switch filter {
        case 0: return 0
        case 1: return a
        case 2: return b
        case 3: return (a + b) / 2
        default:
            let p = a + b - c
            let pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
            return pa <= pb && pa <= pc ? a : pb <= pc ? b : c
        }
    }

    /// Each byte of `filtered` plus its prediction from the bytes already rebuilt.
    static func referenceUnfilter(_ filter: UInt8, _ filtered: [UInt8], previous: [UInt8], bpp: Int) -> [UInt8] {
        var row = [UInt8](repeating: 0, count: filtered.count)
        for i in 0..<filtered.count {
            let a = i >= bpp ? Int(row[i - bpp]) : 0, c = i >= bpp ? Int(previous[i - bpp]) : 0
            row[i] = UInt8((Int(filtered[i]) + prediction(filter, a: a, b: Int(previous[i]), c: c)) & 0xFF)
        }
        return row
    }

    /// The inverse: each row filtered with `filterOf(row)`, as an encoder would store it.
    static func filtered(_ pixels: PixelBuffer, filterOf: (Int) -> UInt8) -> [UInt8] {
        let rowBytes = pixels.width * pixels.layout.channels, bpp = pixels.layout.channels
        var out: [UInt8] = []
        var previous = [UInt8](repeating: 0, count: rowBytes)
        for y in 0..<pixels.height {
            let row = Array(pixels.pixels[(y * rowBytes)..<((y + 1) * rowBytes)])
            let filter = filterOf(y)
            out.append(filter)
            for i in 0..<rowBytes {
                let a = i >= bpp ? Int(row[i - bpp]) : 0, c = i >= bpp ? Int(previous[i - bpp]) : 0
                out.append(UInt8((Int(row[i]) - prediction(filter, a: a, b: Int(previous[i]), c: c)) & 0xFF))
            }
            previous = row
        }
        return out
    }

    /// A PNG of `pixels` whose rows use every filter type in turn, its compressed data cut into IDAT
    /// chunks of `chunkSize` (with an empty one among them), a tEXt chunk after them.
    static func png(_ pixels: PixelBuffer, chunkSize: Int = 8192, filterOf: (Int) -> UInt8 = { UInt8($0 % 5) },
                    compressed: (([UInt8]) -> [UInt8])? = nil, afterData: [UInt8] = Fixtures.pngChunk("tEXt", Array("Comment\0made here".utf8)),
                    end: [UInt8] = Fixtures.pngChunk("IEND", [])) -> [UInt8] {
        let colorType: UInt8 = [1: 0, 2: 4, 3: 2, 4: 6][pixels.layout.channels]!
        let header = be32(pixels.width) + be32(pixels.height) + [8, colorType, 0, 0, 0]
        let data = (compressed ?? { Zlib.deflate($0)! })(filtered(pixels, filterOf: filterOf))
        var chunks = Array(stride(from: 0, to: data.count, by: chunkSize)).map { Fixtures.pngChunk("IDAT", Array(data[$0..<min($0 + chunkSize, data.count)])) }
        chunks.insert(Fixtures.pngChunk("IDAT", []), at: chunks.count / 2)
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Fixtures.pngChunk("IHDR", header) + chunks.flatMap { $0 } + afterData + end
    }

    static func be32(_ value: Int) -> [UInt8] { [UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }

    /// Noise, so that every filter has work to do and Paeth picks each neighbour.
    static func noise(width: Int, height: Int, layout: PixelLayout) -> PixelBuffer {
        var state: UInt32 = 12345
        let pixels = (0..<(width * height * layout.channels)).map { index -> UInt8 in
            state = state &* 1_664_525 &+ 1_013_904_223
            return UInt8(truncatingIfNeeded: (state >> 24) / 4 + UInt32(index % 97))
        }
        return PixelBuffer(width: width, height: height, layout: layout, pixels: pixels)
    }

    @Test func eachFilterAndPixelWidthMatchesTheSpecification() {
        let layouts: [PixelLayout] = [.grey, .greyAlpha, .rgb, .rgba]
        for layout in layouts {
            let bpp = layout.channels, count = 37 * bpp
            let picture = Self.noise(width: 37, height: 2, layout: layout).pixels
            let previous = Array(picture[0..<count]), filteredBytes = Array(picture[count...])
            for filter in PNGUnfilter.Filter.allCases {
                var row = [UInt8](repeating: 0, count: count)
                filteredBytes.withUnsafeBufferPointer { source in
                    previous.withUnsafeBufferPointer { above in
                        row.withUnsafeMutableBufferPointer { out in
                            PNGUnfilter.reconstruct(filter, filtered: source.baseAddress!, previous: above.baseAddress!, into: out.baseAddress!,
                                                    count: count, bpp: bpp)
                        }
                    }
                }
                #expect(row == Self.referenceUnfilter(filter.rawValue, filteredBytes, previous: previous, bpp: bpp), "\(filter) at \(bpp) bytes a pixel")
            }
        }
    }

    /// Every layout, every filter, many IDAT chunks, an empty one, text after: small pictures inflated on
    /// this thread, one of more than `threadedBytes` on the second, bands that do not divide the height.
    @Test(arguments: [(PixelLayout.grey, 61, 23), (.greyAlpha, 61, 23), (.rgb, 61, 23), (.rgba, 61, 23), (.rgba, 700, 401), (.rgb, 1000, 351)])
    func rowsAreLibpngsRows(layout: PixelLayout, width: Int, height: Int) throws {
        let picture = Self.noise(width: width, height: height, layout: layout)
        let png = Self.png(picture)
        #expect((width * layout.channels + 1) * height >= PNGRowPipeline.threadedBytes || width < 100)
        let (pixels, pipelined) = try streamed(png, bandRows: 7)
        #expect(pipelined)
        #expect(pixels == picture.pixels)
        #expect(try LibPNG.decode(png, path: "t.png", failOn: .truncated).pixels.pixels == picture.pixels)
        // The strict policies check zlib's Adler-32 too, and read alike.
        let strict = try streamed(png, failOn: .warning)
        #expect(strict.pipelined && strict.pixels == picture.pixels)
    }

    /// PngSuite's valid files: the plain 8-bit ones come through the pipeline, the rest through libpng, and
    /// all give the rows of a whole-image libpng decode.
    @Test(.enabled(if: Conformance.root != nil, Comment(rawValue: Conformance.missingNote)),
          arguments: PngSuiteTests.valid)
    func pngSuiteRowsAreLibpngsRows(path: String) throws {
        let name = PngSuiteTests.name(path)
        let bytes = try FileBytes.read(path, maxBytes: 1 << 20)
        let whole = try LibPNG.decode(bytes, path: path, failOn: .truncated)
        var pixels: [UInt8] = []
        let result = try LibPNG.stream(bytes, path: path, failOn: .truncated, start: { _, _, _ in
            pixels = []
            return 5
        }, consume: { rows, count in
            pixels += UnsafeBufferPointer(start: rows, count: count * whole.pixels.width * whole.pixels.layout.channels)
        })
        #expect(pixels == whole.pixels.pixels)
        // Plain: 8 bits, not interlaced, not a palette, no tRNS made alpha (libpng's picture has the
        // stored colour type's channels).
        let info = try ImageProbe.probe(bytes: bytes, path: path)
        let storedChannels = [0: 1, 2: 3, 4: 2, 6: 4][Int(bytes[25])]
        let plain = info.bitDepth == 8 && !info.isProgressive && whole.pixels.layout.channels == storedChannels
        #expect(result.pipelined == plain, "\(name)")
    }

    // MARK: Anything but plain goes back to libpng, which says what it always said

    /// What a whole-image libpng decode says of `bytes`: its pixels, or its error.
    func libpngSays(_ bytes: [UInt8], failOn: FailOn = .truncated) -> String {
        do { return "\(try LibPNG.decode(bytes, path: "t.png", failOn: failOn).pixels.pixels.count) bytes" } catch { return "\(error)" }
    }

    func streamSays(_ bytes: [UInt8], failOn: FailOn = .truncated) -> (String, pipelined: Bool) {
        var count = 0
        do {
            let result = try LibPNG.stream(bytes, path: "t.png", failOn: failOn, start: { _, _, _ in count = 0; return 16 },
                                           consume: { _, rows in count += rows * rowBytes(bytes) })
            return ("\(count) bytes", result.pipelined)
        } catch {
            return ("\(error)", false)
        }
    }

    @Test func damagedOrOddDataGoesBackToLibpng() throws {
        let picture = Self.noise(width: 700, height: 401, layout: .rgba)
        let png = Self.png(picture)
        #expect(streamSays(png) == ("\(picture.pixels.count) bytes", true))
        var cases: [(String, [UInt8])] = []
        // An IDAT chunk's CRC.
        var badCRC = png
        let firstData = 33 + 8 + 100
        badCRC[firstData] ^= 0x01
        cases.append(("an IDAT CRC", badCRC))
        // A filter byte of 5 on row 200.
        cases.append(("filter 5", Self.png(picture, filterOf: { $0 == 200 ? 5 : UInt8($0 % 5) })))
        // The stream cut short, the file still well formed.
        cases.append(("short data", Self.png(picture, compressed: { Array(Zlib.deflate(Array($0.dropLast(5000)))!) })))
        // Rows complete, then more data in the stream.
        cases.append(("surplus data", Self.png(picture, compressed: { Zlib.deflate($0 + [0, 1, 2, 3])! })))
        // Another IDAT chunk after the stream ended.
        cases.append(("an extra chunk", Self.png(picture, afterData: Fixtures.pngChunk("IDAT", [1, 2, 3]))))
        // A compressed text chunk after the data: libpng inflates it, so it is libpng's to read.
        cases.append(("zTXt after the data", Self.png(picture, afterData: Fixtures.pngChunk("zTXt", Array("Comment\0\0".utf8) + Zlib.deflate(Array("hi".utf8))!))))
        // No IEND, then a cut in the middle of the data.
        cases.append(("no IEND", Self.png(picture, end: [])))
        cases.append(("cut", Array(png[0..<(png.count / 2)])))
        for (what, bytes) in cases {
            let (says, pipelined) = streamSays(bytes)
            #expect(!pipelined, "\(what)")
            #expect(says == libpngSays(bytes), "\(what)")
            // Nor does the pipeline itself take the file.
            var rows = 0
            #expect(!PNGRowPipeline.stream(bytes, width: 700, height: 401, channels: 4, checkAdler32: false, bandRows: 16) { _, count in rows += count },
                    "\(what)")
        }
        // The same faults in a picture small enough to be inflated on this thread alone.
        let small = Self.noise(width: 61, height: 23, layout: .rgb)
        for (what, bytes) in [("filter 5", Self.png(small, filterOf: { $0 == 20 ? 5 : 1 })),
                              ("short data", Self.png(small, compressed: { Zlib.deflate(Array($0.dropLast(100)))! }))] {
            #expect(try streamed(Self.png(small)).pipelined)
            let (says, pipelined) = streamSays(bytes)
            #expect(!pipelined && says == libpngSays(bytes), "small, \(what)")
        }
        // A wrong Adler-32 passes the default (each chunk's CRC guards the bytes) but not a strict policy.
        let badAdler = Self.png(picture, compressed: { data in
            var compressed = Zlib.deflate(data)!
            compressed[compressed.count - 1] ^= 0xFF
            return compressed
        })
        #expect(streamSays(badAdler) == ("\(picture.pixels.count) bytes", true))
        let strict = streamSays(badAdler, failOn: .error)
        #expect(!strict.pipelined)
        #expect(strict.0 == libpngSays(badAdler, failOn: .error) && !strict.0.hasSuffix(" bytes"))
    }
}
