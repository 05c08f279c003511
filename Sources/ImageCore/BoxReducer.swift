/// Shrinks by an integer factor, averaging each `factor`×`factor` block, as rows arrive: memory holds one
/// row of sums (a source row's worth of integers in gamma light, an output row of floats in linear light)
/// plus the (already small) output, never the whole source. A factor of 1 only converts to the
/// premultiplied working form.
struct BoxReducer {
    let sourceWidth: Int
    let sourceHeight: Int
    let channels: Int
    let hasAlpha: Bool
    let factor: Int
    let outputWidth: Int
    let outputHeight: Int
    private let tables: TransferTables
    /// Linear light: each output column's running sum over the rows of the current block, through the
    /// decoding table.
    private var accumulator: [Float]
    /// Gamma light: each source sample's integer sum over the rows of the current block (colours
    /// premultiplied by alpha, so v·a), added across the block's columns only when the block is complete.
    /// The per-row work is then one widening add per sample over contiguous memory, which the compiler
    /// vectorizes; a row never waits on its neighbours. A column of 255·255 per row would overflow 32 bits
    /// past `maximumSummedFactor` rows a block; larger factors (a 1×140,000 strip scaled to one pixel) take
    /// the float accumulator, which is right in either light.
    private var columnSums: [UInt32]
    /// The largest factor whose column sums fit in 32 bits: 255·255·factor ≤ UInt32.max.
    static let maximumSummedFactor = Int(UInt32.max) / 65025
    /// Whether this reducer works with `columnSums` (gamma light, factor within reach) or `accumulator`.
    private let summing: Bool
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
        summing = tables.light == .gamma && factor <= Self.maximumSummedFactor
        accumulator = summing ? [] : [Float](repeating: 0, count: outputWidth * layout.channels)
        columnSums = summing ? [UInt32](repeating: 0, count: width * layout.channels) : []
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
            if summing { addSums(rows + index * rowBytes) } else { add(rows + index * rowBytes) }
            row += 1
            if row % factor == 0 || row == sourceHeight {
                let rowsInBlock = row % factor == 0 ? factor : row % factor
                if summing { emitSums(rowsInBlock: rowsInBlock) } else { emit(rowsInBlock: rowsInBlock) }
            }
        }
    }

    /// Adds one source row into the column sums (gamma light). The hot loop of every PNG thumbnail (each
    /// sample of a 5120×2880 image passes here once), written over raw pointers into memory imagepipe
    /// owns — the decoder's row band, sized `sourceWidth × channels` per row by `LibPNG.stream` or
    /// `PixelBuffer`, and these sums, as long — so that bounds checks stay out of it while the rest of
    /// ImageCore keeps them.
    private mutating func addSums(_ source: UnsafePointer<UInt8>) {
        let c = channels, samples = sourceWidth * channels
        precondition(columnSums.count == samples, "column sums do not match the source width")
        columnSums.withUnsafeMutableBufferPointer { buffer in
            let sums = buffer.baseAddress!
            guard hasAlpha else {
                for index in 0..<samples { sums[index] &+= UInt32(source[index]) }
                return
            }
            if c == 4 {
                // RGBA, the common case, spelled out: no inner loop, no overflow checks on the indices.
                for pixel in 0..<sourceWidth {
                    let i = pixel &* 4, alpha = UInt32(source[i &+ 3])
                    sums[i] &+= UInt32(source[i]) &* alpha
                    sums[i &+ 1] &+= UInt32(source[i &+ 1]) &* alpha
                    sums[i &+ 2] &+= UInt32(source[i &+ 2]) &* alpha
                    sums[i &+ 3] &+= alpha
                }
                return
            }
            var index = 0
            while index < samples {
                let alpha = UInt32(source[index &+ c &- 1])
                for ch in 0..<c &- 1 { sums[index &+ ch] &+= UInt32(source[index &+ ch]) &* alpha }
                sums[index &+ c &- 1] &+= alpha
                index &+= c
            }
        }
    }

    /// Closes a block of rows (gamma light): each block's column sums added up and scaled to its mean,
    /// the sums cleared for the next block.
    private mutating func emitSums(rowsInBlock: Int) {
        let c = channels, k = factor, width = sourceWidth, hasAlpha = hasAlpha
        columnSums.withUnsafeMutableBufferPointer { buffer in
            let sums = buffer.baseAddress!
            for ox in 0..<outputWidth {
                let first = ox * k, columns = min(k, width - first)
                let mean = 1 / Float(columns * rowsInBlock)
                for ch in 0..<c {
                    var total = 0
                    var q = sums + first * c + ch
                    for _ in 0..<columns { total &+= Int(q[0]); q += c }
                    // Premultiplied colours are v·a, in units of 255·255.
                    let unit: Float = hasAlpha && ch < c - 1 ? 1 / 65025 : 1 / 255
                    output.append(Float(total) * unit * mean)
                }
            }
            buffer.update(repeating: 0)
        }
    }

    /// Adds one source row into the accumulator row, through the decoding table (linear light, or gamma
    /// light past `maximumSummedFactor`). Each block's samples are summed in registers first, so that
    /// consecutive pixels do not wait on one another through memory.
    private mutating func add(_ source: UnsafePointer<UInt8>) {
        let c = channels, k = factor, width = sourceWidth
        precondition(outputWidth * c == accumulator.count, "accumulator row does not match the output width")
        tables.toWorking.withUnsafeBufferPointer { lut in
            accumulator.withUnsafeMutableBufferPointer { sums in
                var pixel = source
                var out = sums.baseAddress!
                var x = 0
                while x < width {
                    let n = min(k, width - x)
                    if hasAlpha {
                        Self.addPremultiplied(pixel, count: n, channels: c, lut: lut, into: out)
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

    /// `count` pixels without alpha, through the decoding table.
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

    /// `count` pixels with alpha (last channel), through the decoding table: colours premultiplied by
    /// alpha, then alpha itself.
    @inline(__always)
    private static func addPremultiplied(_ pixel: UnsafePointer<UInt8>, count: Int, channels c: Int,
                                         lut: UnsafeBufferPointer<Float>, into out: UnsafeMutablePointer<Float>) {
        let colours = c - 1
        var alphaSum = 0
        var q = pixel + colours
        for _ in 0..<count { alphaSum &+= Int(q[0]); q += c }
        out[colours] += Float(alphaSum) * (1 / 255)
        let table = lut.baseAddress!
        for ch in 0..<colours {
            var p = pixel
            var v: Float = 0
            for _ in 0..<count { v += table[Int(p[ch])] * Float(p[colours]); p += c }
            out[ch] += v * (1 / 255)
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
