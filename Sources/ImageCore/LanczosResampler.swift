#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Separable Lanczos-3 resampling of a premultiplied `FloatImage`: each output sample is a weighted sum
/// of the input samples under a windowed sinc stretched by the reduction factor, so that downscaling
/// neither aliases (as point sampling does) nor blurs (as a plain box does).
enum LanczosResampler {
    /// Which input samples feed each output position, and how much: `count` weights starting at `start`.
    struct Contributions {
        var starts: [Int]
        var weights: [Float]
        var count: Int
    }

    static func lanczos3(_ x: Double) -> Double {
        if x == 0 { return 1 }
        if abs(x) >= 3 { return 0 }
        let pix = Double.pi * x
        return 3 * sin(pix) * sin(pix / 3) / (pix * pix)
    }

    static func contributions(input: Int, output: Int) -> Contributions {
        let scale = Double(input) / Double(output)
        let stretch = max(scale, 1)
        let support = 3 * stretch
        let count = Int((support * 2).rounded(.up)) + 1
        var starts = [Int](repeating: 0, count: output)
        var weights = [Float](repeating: 0, count: output * count)
        for o in 0..<output {
            let center = (Double(o) + 0.5) * scale - 0.5
            let first = Int((center - support).rounded(.up))
            var row = [Double](repeating: 0, count: count)
            // Samples past an edge fold onto the edge sample, so weights always sum to 1.
            let start = min(max(first, 0), max(input - count, 0))
            for j in 0..<count {
                let position = first + j
                let weight = lanczos3((Double(position) - center) / stretch)
                if weight == 0 { continue }
                let clamped = min(max(position, 0), input - 1)
                let slot = clamped - start
                if slot >= 0 && slot < count { row[slot] += weight }
            }
            let total = row.reduce(0, +)
            starts[o] = start
            for j in 0..<count { weights[o * count + j] = Float(total != 0 ? row[j] / total : 0) }
        }
        return Contributions(starts: starts, weights: weights, count: min(count, input))
    }

    static func resize(_ image: FloatImage, width: Int, height: Int) -> FloatImage {
        if image.width == width && image.height == height { return image }
        let horizontal = horizontalPass(image, width: width)
        return verticalPass(horizontal, height: height)
    }

    private static func horizontalPass(_ image: FloatImage, width: Int) -> FloatImage {
        if image.width == width { return image }
        let c = image.channels
        let plan = contributions(input: image.width, output: width)
        let stride = plan.weights.count / width
        var out = [Float](repeating: 0, count: width * image.height * c)
        image.samples.withUnsafeBufferPointer { input in
            plan.weights.withUnsafeBufferPointer { weights in
                plan.starts.withUnsafeBufferPointer { starts in
                    out.withUnsafeMutableBufferPointer { output in
                        for y in 0..<image.height {
                            let source = input.baseAddress! + y * image.width * c
                            let target = output.baseAddress! + y * width * c
                            for o in 0..<width {
                                let w = weights.baseAddress! + o * stride
                                let s = source + starts[o] * c
                                var acc: (Float, Float, Float, Float) = (0, 0, 0, 0)
                                switch c {
                                case 1:
                                    for j in 0..<plan.count { acc.0 += w[j] * s[j] }
                                case 2:
                                    for j in 0..<plan.count {
                                        acc.0 += w[j] * s[j * 2]; acc.1 += w[j] * s[j * 2 + 1]
                                    }
                                case 3:
                                    for j in 0..<plan.count {
                                        let p = s + j * 3
                                        acc.0 += w[j] * p[0]; acc.1 += w[j] * p[1]; acc.2 += w[j] * p[2]
                                    }
                                default:
                                    for j in 0..<plan.count {
                                        let p = s + j * 4
                                        acc.0 += w[j] * p[0]; acc.1 += w[j] * p[1]; acc.2 += w[j] * p[2]; acc.3 += w[j] * p[3]
                                    }
                                }
                                let t = target + o * c
                                t[0] = acc.0
                                if c > 1 { t[1] = acc.1 }
                                if c > 2 { t[2] = acc.2 }
                                if c > 3 { t[3] = acc.3 }
                            }
                        }
                    }
                }
            }
        }
        return FloatImage(width: width, height: image.height, channels: c, hasAlpha: image.hasAlpha, samples: out)
    }

    private static func verticalPass(_ image: FloatImage, height: Int) -> FloatImage {
        if image.height == height { return image }
        let rowLength = image.width * image.channels
        let plan = contributions(input: image.height, output: height)
        let stride = plan.weights.count / height
        var out = [Float](repeating: 0, count: rowLength * height)
        image.samples.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                for o in 0..<height {
                    let target = output.baseAddress! + o * rowLength
                    for j in 0..<plan.count {
                        let weight = plan.weights[o * stride + j]
                        if weight == 0 { continue }
                        let source = input.baseAddress! + (plan.starts[o] + j) * rowLength
                        for i in 0..<rowLength { target[i] += weight * source[i] }
                    }
                }
            }
        }
        return FloatImage(width: image.width, height: height, channels: image.channels, hasAlpha: image.hasAlpha, samples: out)
    }
}

extension FloatImage {
    /// Back to 8-bit straight (not premultiplied) samples.
    func pixelBuffer(tables: TransferTables) -> PixelBuffer {
        let layout = PixelLayout(rawValue: channels)!
        let count = width * height
        let c = channels
        let bytes = [UInt8](unsafeUninitializedCapacity: count * c) { out, initialized in
            samples.withUnsafeBufferPointer { input in
                for index in 0..<count {
                    let p = index * c
                    if hasAlpha {
                        let alpha = min(max(input[p + c - 1], 0), 1)
                        let inverse: Float = alpha > 1e-6 ? 1 / alpha : 0
                        for ch in 0..<(c - 1) { out[p + ch] = tables.toStored(input[p + ch] * inverse) }
                        out[p + c - 1] = UInt8(alpha * 255 + 0.5)
                    } else {
                        for ch in 0..<c { out[p + ch] = tables.toStored(input[p + ch]) }
                    }
                }
            }
            initialized = count * c
        }
        return PixelBuffer(width: width, height: height, layout: layout, pixels: bytes)
    }
}
