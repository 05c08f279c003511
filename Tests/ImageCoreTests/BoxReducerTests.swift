import Testing

@testable import ImageCore

/// The box reduction against a plain reference: every block's mean worked out in Double, sample by
/// sample, for each layout, with blocks cut short at the right and bottom edges.
@Suite struct BoxReducerTests {
    static let cases: [(PixelLayout, Int)] = [PixelLayout.grey, .greyAlpha, .rgb, .rgba].flatMap { layout in
        [1, 2, 3, 8].map { (layout, $0) }
    }

    @Test(arguments: cases)
    func gammaLightMeansMatchAReference(layout: PixelLayout, factor: Int) {
        let (width, height) = (37, 21)
        let pixels = Self.noise(count: width * height * layout.channels)
        let reduced = Self.reduce(pixels, width: width, height: height, layout: layout, factor: factor, tables: .gamma)
        let expected = Self.reference(pixels, width: width, height: height, layout: layout, factor: factor) { Double($0) / 255 }
        #expect(reduced.samples.count == expected.count)
        let worst = zip(reduced.samples, expected).map { abs(Double($0) - $1) }.max() ?? 0
        #expect(worst < 1e-5, "largest difference \(worst)")
    }

    @Test(arguments: [PixelLayout.rgb, .rgba])
    func linearLightMeansMatchAReference(layout: PixelLayout) {
        let (width, height, factor) = (29, 17, 4)
        let pixels = Self.noise(count: width * height * layout.channels)
        let table = TransferTables.linear.toWorking
        let reduced = Self.reduce(pixels, width: width, height: height, layout: layout, factor: factor, tables: .linear)
        let expected = Self.reference(pixels, width: width, height: height, layout: layout, factor: factor) { Double(table[Int($0)]) }
        #expect(reduced.samples.count == expected.count)
        let worst = zip(reduced.samples, expected).map { abs(Double($0) - $1) }.max() ?? 0
        #expect(worst < 1e-5, "largest difference \(worst)")
    }

    /// A factor past what 32-bit column sums hold (a 1×70,000 strip to one pixel): the mean of opaque
    /// white is still white, where wrapped sums would give a dark grey.
    @Test func aFactorPastThirtyTwoBitSumsStaysRight() {
        let height = BoxReducer.maximumSummedFactor + 10
        let pixels = [UInt8](repeating: 255, count: height * 4)
        let reduced = Self.reduce(pixels, width: 1, height: height, layout: .rgba, factor: height, tables: .gamma)
        #expect(reduced.samples.count == 4)
        #expect(reduced.samples.allSatisfy { abs($0 - 1) < 1e-4 }, "\(reduced.samples)")
    }

    /// Rows fed in uneven bands come out the same as all at once.
    @Test func bandsDoNotMatter() {
        let (width, height) = (40, 30)
        let pixels = Self.noise(count: width * height * 4)
        let whole = Self.reduce(pixels, width: width, height: height, layout: .rgba, factor: 3, tables: .gamma)
        var banded = BoxReducer(width: width, height: height, layout: .rgba, factor: 3, tables: .gamma)
        pixels.withUnsafeBufferPointer { buffer in
            var row = 0
            for band in [1, 7, 2, 16, 4] {
                banded.consume(buffer.baseAddress! + row * width * 4, count: band)
                row += band
            }
        }
        #expect(banded.finish().samples == whole.samples)
    }

    static func noise(count: Int) -> [UInt8] {
        var state: UInt32 = 0x9E37_79B9
        return (0..<count).map { _ in
            state = state &* 1_664_525 &+ 1_013_904_223
            return UInt8(truncatingIfNeeded: state >> 24)
        }
    }

    static func reduce(_ pixels: [UInt8], width: Int, height: Int, layout: PixelLayout, factor: Int,
                       tables: TransferTables) -> FloatImage {
        var reducer = BoxReducer(width: width, height: height, layout: layout, factor: factor, tables: tables)
        pixels.withUnsafeBufferPointer { reducer.consume($0.baseAddress!, count: height) }
        return reducer.finish()
    }

    /// Each block's mean of `working(sample)`, colours premultiplied by alpha (alpha as a fraction of 255).
    static func reference(_ pixels: [UInt8], width: Int, height: Int, layout: PixelLayout, factor: Int,
                          working: (UInt8) -> Double) -> [Double] {
        let c = layout.channels
        var out = [Double]()
        for by in stride(from: 0, to: height, by: factor) {
            for bx in stride(from: 0, to: width, by: factor) {
                let rows = by..<min(by + factor, height), columns = bx..<min(bx + factor, width)
                let n = Double(rows.count * columns.count)
                for ch in 0..<c {
                    var sum = 0.0
                    for y in rows {
                        for x in columns {
                            let pixel = (y * width + x) * c
                            let alpha = layout.hasAlpha ? Double(pixels[pixel + c - 1]) / 255 : 1
                            let isAlpha = layout.hasAlpha && ch == c - 1
                            sum += isAlpha ? alpha : working(pixels[pixel + ch]) * alpha
                        }
                    }
                    out.append(sum / n)
                }
            }
        }
        return out
    }
}
