import ImageCore

/// What the pixel rules measure, computed once per image.
public struct BackgroundMeasurement: Sendable, Equatable {
    /// Pixels in the border ring.
    public var ringPixels: Int
    /// Of those, the ones opaque and white within the tolerance.
    public var whitePixels: Int
    /// Of those, the ones not fully opaque.
    public var transparentPixels: Int
    /// The average colour of the ring's pixels that are not white (nil when all are).
    public var otherAverage: RGB?
    /// How wide the ring is, in pixels.
    public var ringWidth: Int

    public var whiteShare: Double { ringPixels == 0 ? 0 : Double(whitePixels) / Double(ringPixels) }

    /// Measures the ring of width 1 % of the shorter side (at least 1 px) round the picture.
    public init(_ pixels: PixelBuffer, tolerance: Int) {
        let ring = max(1, min(pixels.width, pixels.height) / 100)
        let c = pixels.layout.channels
        var white = 0, transparent = 0, total = 0
        var sums = (0, 0, 0), others = 0
        let floor = 255 - tolerance
        pixels.pixels.withUnsafeBufferPointer { samples in
            for y in 0..<pixels.height {
                let edgeRow = y < ring || y >= pixels.height - ring
                for x in 0..<pixels.width where edgeRow || x < ring || x >= pixels.width - ring {
                    let s = (y * pixels.width + x) * c
                    let r = Int(samples[s])
                    let g = pixels.layout.isColor ? Int(samples[s + 1]) : r
                    let b = pixels.layout.isColor ? Int(samples[s + 2]) : r
                    let opaque = !pixels.layout.hasAlpha || samples[s + c - 1] == 255
                    total += 1
                    if !opaque { transparent += 1 }
                    if opaque && r >= floor && g >= floor && b >= floor {
                        white += 1
                    } else {
                        others += 1
                        sums.0 += r; sums.1 += g; sums.2 += b
                    }
                }
            }
        }
        ringPixels = total
        whitePixels = white
        transparentPixels = transparent
        ringWidth = ring
        otherAverage = others == 0 ? nil
            : RGB(red: UInt8(sums.0 / others), green: UInt8(sums.1 / others), blue: UInt8(sums.2 / others))
    }
}

/// How much of the frame the product fills.
public struct FillMeasurement: Sendable, Equatable {
    /// The content's bounding box, nil for a blank picture.
    public var bounds: PixelRect?
    public var frameWidth: Int
    public var frameHeight: Int

    /// The larger of the content's width share and height share of the frame (0 when blank).
    public var fill: Double {
        guard let bounds else { return 0 }
        return max(Double(bounds.width) / Double(frameWidth), Double(bounds.height) / Double(frameHeight))
    }

    /// Measures on the picture flattened onto white, so that transparent surroundings count as background.
    public init(_ pixels: PixelBuffer, tolerance: Int) {
        bounds = pixels.flattened(onto: .white).contentBounds(background: .white, tolerance: tolerance)
        frameWidth = pixels.width
        frameHeight = pixels.height
    }
}
