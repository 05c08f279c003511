/// Undoes the filter of one row of 8-bit PNG samples (PNG specification, clause 9): each byte was stored
/// as its difference from a prediction made of the byte to its left (`a`, one pixel back), the byte above
/// (`b`) and the one above-left (`c`). libpng does the same; Debian builds it without its SSE2 filter
/// code, so its loops are the plain C ones, and these compile to about the same.
enum PNGUnfilter {
    /// The five filter types; any other byte is damage.
    enum Filter: UInt8, CaseIterable {
        case none = 0, sub, up, average, paeth
    }

    /// Reconstructs `count` bytes into `row` from `filtered`, with `previous` the reconstructed row above
    /// (zeros above the first row) and `bpp` bytes a pixel (1 to 4). The three buffers are the caller's,
    /// each at least `count` bytes, `count` a multiple of `bpp`: sizes fixed by the header and checked
    /// once by the caller, so that the per-byte loops carry no bounds checks (the bytes themselves never
    /// choose an index).
    @inline(__always)
    static func reconstruct(
        _ filter: Filter, filtered: UnsafePointer<UInt8>, previous: UnsafePointer<UInt8>, into row: UnsafeMutablePointer<UInt8>,
        count: Int, bpp: Int
    ) {
        switch filter {
        case .none:
            row.update(from: filtered, count: count)
        case .sub where bpp >= 3:
            bpp == 4 ? pixels(filtered, previous, row, count, bpp: 4, Self.sub) : pixels(filtered, previous, row, count, bpp: 3, Self.sub)
        case .average where bpp >= 3:
            bpp == 4 ? pixels(filtered, previous, row, count, bpp: 4, Self.average) : pixels(filtered, previous, row, count, bpp: 3, Self.average)
        case .paeth where bpp >= 3:
            bpp == 4 ? pixels(filtered, previous, row, count, bpp: 4, Self.paeth) : pixels(filtered, previous, row, count, bpp: 3, Self.paeth)
        case .up:
            for i in 0..<count { row[i] = filtered[i] &+ previous[i] }
        case .sub:
            row.update(from: filtered, count: min(bpp, count))
            var i = bpp
            while i < count {
                row[i] = filtered[i] &+ row[i &- bpp]
                i &+= 1
            }
        case .average:
            for i in 0..<min(bpp, count) { row[i] = filtered[i] &+ previous[i] >> 1 }
            var i = bpp
            while i < count {
                row[i] = filtered[i] &+ UInt8(truncatingIfNeeded: (UInt16(row[i &- bpp]) &+ UInt16(previous[i])) >> 1)
                i &+= 1
            }
        case .paeth:
            // With nothing to the left, a = c = 0 and the prediction is the byte above.
            for i in 0..<min(bpp, count) { row[i] = filtered[i] &+ previous[i] }
            var i = bpp
            while i < count {
                let a = Int16(row[i &- bpp]), b = Int16(previous[i]), c = Int16(previous[i &- bpp])
                // The distances from p = a + b − c to a, b and c; ties go to a, then b.
                let pa = abs(b &- c), pb = abs(a &- c), pc = abs(a &+ b &- c &- c)
                let prediction = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
                row[i] = filtered[i] &+ UInt8(truncatingIfNeeded: prediction)
                i &+= 1
            }
        }
    }

    /// One pixel's samples (3 or 4) in the lanes of a vector, the fourth lane 0 for RGB. The byte loops
    /// above carry a dependency from each pixel to the next through `a`; doing a pixel's samples at once
    /// shortens that chain by the pixel's width, which is where the time of Paeth-filtered rows goes.
    private typealias Pixel = SIMD4<Int16>

    /// The prediction of one pixel from its left (`a`), upper (`b`) and upper-left (`c`) neighbours.
    private typealias Predictor = (_ a: Pixel, _ b: Pixel, _ c: Pixel) -> Pixel

    @inline(__always)
    private static func sub(_ a: Pixel, _ b: Pixel, _ c: Pixel) -> Pixel { a }

    @inline(__always)
    private static func average(_ a: Pixel, _ b: Pixel, _ c: Pixel) -> Pixel { (a &+ b) &>> 1 }

    @inline(__always)
    private static func paeth(_ a: Pixel, _ b: Pixel, _ c: Pixel) -> Pixel {
        let toA = b &- c, toB = a &- c, toC = toA &+ toB
        let pa = toA.replacing(with: 0 &- toA, where: toA .< 0)
        let pb = toB.replacing(with: 0 &- toB, where: toB .< 0)
        let pc = toC.replacing(with: 0 &- toC, where: toC .< 0)
        return c.replacing(with: b, where: pb .<= pc).replacing(with: a, where: (pa .<= pb) .& (pa .<= pc))
    }

    @inline(__always)
    private static func pixels(
        _ filtered: UnsafePointer<UInt8>, _ previous: UnsafePointer<UInt8>, _ row: UnsafeMutablePointer<UInt8>, _ count: Int,
        bpp: Int, _ predict: Predictor
    ) {
        @inline(__always) func load(_ bytes: UnsafePointer<UInt8>, _ at: Int) -> Pixel {
            Pixel(Int16(bytes[at]), Int16(bytes[at &+ 1]), Int16(bytes[at &+ 2]), bpp == 4 ? Int16(bytes[at &+ 3]) : 0)
        }
        var a = Pixel(), c = Pixel()
        var i = 0
        while i < count {
            let b = load(previous, i)
            let x = (load(filtered, i) &+ predict(a, b, c)) & 0xFF
            row[i] = UInt8(truncatingIfNeeded: x[0])
            row[i &+ 1] = UInt8(truncatingIfNeeded: x[1])
            row[i &+ 2] = UInt8(truncatingIfNeeded: x[2])
            if bpp == 4 { row[i &+ 3] = UInt8(truncatingIfNeeded: x[3]) }
            a = x
            c = b
            i &+= bpp
        }
    }
}
