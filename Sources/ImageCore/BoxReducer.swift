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
            // Nothing to average: convert straight through the table.
            tables.toWorking.withUnsafeBufferPointer { lut in
                for index in 0..<count * rowBytes { output.append(lut[Int(rows[index])]) }
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

    private mutating func add(_ source: UnsafePointer<UInt8>) {
        let c = channels, k = factor, width = sourceWidth
        tables.toWorking.withUnsafeBufferPointer { lut in
            accumulator.withUnsafeMutableBufferPointer { sums in
                var x = 0
                var out = 0
                while x < width {
                    let end = min(x + k, width)
                    if hasAlpha {
                        let colours = c - 1
                        for px in x..<end {
                            let p = source + px * c
                            let alpha = Float(p[colours]) * (1 / 255)
                            for ch in 0..<colours { sums[out + ch] += lut[Int(p[ch])] * alpha }
                            sums[out + colours] += alpha
                        }
                    } else {
                        for px in x..<end {
                            let p = source + px * c
                            for ch in 0..<c { sums[out + ch] += lut[Int(p[ch])] }
                        }
                    }
                    x = end
                    out += c
                }
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
