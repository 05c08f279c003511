/// Shrinks by an integer factor, averaging each `factor`×`factor` block, as rows arrive: memory holds one
/// accumulator row plus the (already small) output, never the whole source. A factor of 1 only converts
/// to the premultiplied working form.
struct BoxReducer {
    let sourceWidth: Int
    let sourceHeight: Int
    let channels: Int
    let hasAlpha: Bool
    let factor: Int
    let outputWidth: Int
    let outputHeight: Int
    private let tables: TransferTables
    private var accumulator: [Float]
    private(set) var output: [Float]
    private var row = 0

    init(width: Int, height: Int, layout: PixelLayout, factor: Int, tables: TransferTables) {
        sourceWidth = width
        sourceHeight = height
        channels = layout.channels
        hasAlpha = layout.hasAlpha
        self.factor = factor
        self.tables = tables
        outputWidth = (width + factor - 1) / factor
        outputHeight = (height + factor - 1) / factor
        accumulator = [Float](repeating: 0, count: outputWidth * layout.channels)
        output = []
        output.reserveCapacity(outputWidth * outputHeight * layout.channels)
    }

    /// Feeds `count` rows of packed 8-bit samples.
    mutating func consume(_ rows: UnsafePointer<UInt8>, count: Int) {
        let rowBytes = sourceWidth * channels
        if factor == 1 && !hasAlpha {
            // Nothing to average: convert straight through the table, into space made first so that the
            // loop is a plain store (the rows are `count × rowBytes` samples from the decoder's buffer).
            let start = output.count, samples = count * rowBytes
            output.append(contentsOf: repeatElement(0, count: samples))
            tables.toWorking.withUnsafeBufferPointer { lut in
                output.withUnsafeMutableBufferPointer { out in
                    let target = out.baseAddress! + start, table = lut.baseAddress!
                    for index in 0..<samples { target[index] = table[Int(rows[index])] }
                }
            }
            row += count
            return
        }
        for index in 0..<count {
            add(rows + index * rowBytes)
            row += 1
            if row % factor == 0 || row == sourceHeight { emit(rowsInBlock: row % factor == 0 ? factor : row % factor) }
        }
    }

    /// Adds one source row into the accumulator row. The hot loop of every PNG thumbnail (each sample of a
    /// 5120×2880 image passes here once), written over raw pointers into memory imagepipe owns — the
    /// decoder's row band, sized `sourceWidth × channels` per row by `LibPNG.stream` or `PixelBuffer`, and
    /// this reducer's accumulator, `outputWidth × channels` — so that bounds checks stay out of it while
    /// the rest of ImageCore keeps them. Each block's samples are summed in registers first (exact integers
    /// in gamma light, where a sample's working value is v/255), so that consecutive pixels do not wait on
    /// one another through memory.
    private mutating func add(_ source: UnsafePointer<UInt8>) {
        let c = channels, k = factor, width = sourceWidth, gamma = tables.light == .gamma
        precondition(outputWidth * c == accumulator.count, "accumulator row does not match the output width")
        tables.toWorking.withUnsafeBufferPointer { lut in
            accumulator.withUnsafeMutableBufferPointer { sums in
                var pixel = source
                var out = sums.baseAddress!
                var x = 0
                while x < width {
                    let n = min(k, width - x)
                    if hasAlpha {
                        Self.addPremultiplied(pixel, count: n, channels: c, lut: lut, gamma: gamma, into: out)
                    } else if gamma {
                        Self.addStored(pixel, count: n, channels: c, into: out)
                    } else {
                        Self.addLinear(pixel, count: n, channels: c, lut: lut, into: out)
                    }
                    pixel += n * c
                    out += c
                    x += n
                }
            }
        }
    }

    /// `count` pixels without alpha in gamma light: integer sums, scaled once.
    @inline(__always)
    private static func addStored(_ pixel: UnsafePointer<UInt8>, count: Int, channels c: Int, into out: UnsafeMutablePointer<Float>) {
        var p = pixel
        switch c {
        case 1:
            var v = 0
            for _ in 0..<count { v &+= Int(p[0]); p += 1 }
            out[0] += Float(v) * (1 / 255)
        case 3:
            var r = 0, g = 0, b = 0
            for _ in 0..<count { r &+= Int(p[0]); g &+= Int(p[1]); b &+= Int(p[2]); p += 3 }
            out[0] += Float(r) * (1 / 255); out[1] += Float(g) * (1 / 255); out[2] += Float(b) * (1 / 255)
        default:
            for ch in 0..<c {
                var v = 0
                var q = pixel + ch
                for _ in 0..<count { v &+= Int(q[0]); q += c }
                out[ch] += Float(v) * (1 / 255)
            }
        }
    }

    /// `count` pixels without alpha in linear light, through the decoding table.
    @inline(__always)
    private static func addLinear(_ pixel: UnsafePointer<UInt8>, count: Int, channels c: Int,
                                  lut: UnsafeBufferPointer<Float>, into out: UnsafeMutablePointer<Float>) {
        let table = lut.baseAddress!
        for ch in 0..<c {
            var v: Float = 0
            var q = pixel + ch
            for _ in 0..<count { v += table[Int(q[0])]; q += c }
            out[ch] += v
        }
    }

    /// `count` pixels with alpha (last channel): colours premultiplied by alpha, then alpha itself.
    @inline(__always)
    private static func addPremultiplied(_ pixel: UnsafePointer<UInt8>, count: Int, channels c: Int,
                                         lut: UnsafeBufferPointer<Float>, gamma: Bool, into out: UnsafeMutablePointer<Float>) {
        if gamma && c == 4 {
            var r = 0, g = 0, b = 0, a = 0
            var p = pixel
            for _ in 0..<count {
                let alpha = Int(p[3])
                r &+= Int(p[0]) &* alpha; g &+= Int(p[1]) &* alpha; b &+= Int(p[2]) &* alpha; a &+= alpha
                p += 4
            }
            out[0] += Float(r) * (1 / 65025); out[1] += Float(g) * (1 / 65025); out[2] += Float(b) * (1 / 65025)
            out[3] += Float(a) * (1 / 255)
            return
        }
        let colours = c - 1
        var alphaSum = 0
        var q = pixel + colours
        for _ in 0..<count { alphaSum &+= Int(q[0]); q += c }
        out[colours] += Float(alphaSum) * (1 / 255)
        let table = lut.baseAddress!
        for ch in 0..<colours {
            var p = pixel
            if gamma {
                var v = 0
                for _ in 0..<count { v &+= Int(p[ch]) &* Int(p[colours]); p += c }
                out[ch] += Float(v) * (1 / 65025)
            } else {
                var v: Float = 0
                for _ in 0..<count { v += table[Int(p[ch])] * Float(p[colours]); p += c }
                out[ch] += v * (1 / 255)
            }
        }
    }

    private mutating func emit(rowsInBlock: Int) {
        let c = channels
        for ox in 0..<outputWidth {
            let columns = min(factor, sourceWidth - ox * factor)
            let scale = 1 / Float(columns * rowsInBlock)
            for ch in 0..<c {
                output.append(accumulator[ox * c + ch] * scale)
                accumulator[ox * c + ch] = 0
            }
        }
    }

    /// The reduced image, once every row has been consumed.
    func finish() -> FloatImage {
        FloatImage(width: outputWidth, height: outputHeight, channels: channels, hasAlpha: hasAlpha, samples: output)
    }
}
