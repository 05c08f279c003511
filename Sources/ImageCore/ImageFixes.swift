/// The rectangle a picture's content occupies, in pixels.
public struct PixelRect: Sendable, Equatable, Codable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }
}

/// Mechanical fixes that marketplaces' rules call for, each a pure function of the pixels: flatten onto
/// a colour, find the content, pad to a square or to a fill ratio, scale to a long side. Colour (sRGB)
/// is `ColorConversion`'s job and encoding `ImageEncoder`'s.
extension PixelBuffer {
    /// True when the pixel at `index` (in pixels) counts as background: nearly transparent, or every
    /// channel within `tolerance` levels of `background`.
    @inline(__always)
    func isBackground(at index: Int, background: RGB, tolerance: Int) -> Bool {
        let c = layout.channels
        let s = index * c
        if layout.hasAlpha && pixels[s + c - 1] <= 8 { return true }
        if layout.isColor {
            return abs(Int(pixels[s]) - Int(background.red)) <= tolerance
                && abs(Int(pixels[s + 1]) - Int(background.green)) <= tolerance
                && abs(Int(pixels[s + 2]) - Int(background.blue)) <= tolerance
        }
        let luma = (Int(background.red) * 299 + Int(background.green) * 587 + Int(background.blue) * 114 + 500) / 1000
        return abs(Int(pixels[s]) - luma) <= tolerance
    }

    /// The bounding box of every pixel that is not background (see `isBackground`), or nil for a picture
    /// that is all background.
    public func contentBounds(background: RGB = .white, tolerance: Int) -> PixelRect? {
        var minX = width, minY = height, maxX = -1, maxY = -1
        for y in 0..<height {
            let row = y * width
            var first = -1
            for x in 0..<width where !isBackground(at: row + x, background: background, tolerance: tolerance) {
                first = x
                break
            }
            guard first >= 0 else { continue }
            var last = first
            for x in stride(from: width - 1, to: first, by: -1) where !isBackground(at: row + x, background: background, tolerance: tolerance) {
                last = x
                break
            }
            minX = Swift.min(minX, first)
            maxX = Swift.max(maxX, last)
            minY = Swift.min(minY, y)
            maxY = y
        }
        guard maxX >= 0 else { return nil }
        return PixelRect(x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1)
    }

    /// The picture without alpha, composited onto `background`.
    public func flattened(onto background: RGB = .white) -> PixelBuffer {
        layout.hasAlpha ? converted(to: layout.isColor ? .rgb : .grey, background: background) : self
    }

    /// The `rect` part of the picture.
    public func cropped(to rect: PixelRect) -> PixelBuffer {
        let c = layout.channels
        var out = [UInt8]()
        out.reserveCapacity(rect.width * rect.height * c)
        for y in rect.y..<rect.y + rect.height {
            let start = (y * width + rect.x) * c
            out += pixels[start..<start + rect.width * c]
        }
        return PixelBuffer(width: rect.width, height: rect.height, layout: layout, pixels: out)
    }

    /// The picture centred on a square canvas of `background` as wide as its longer side.
    public func paddedToSquare(background: RGB = .white) -> PixelBuffer {
        let side = Swift.max(width, height)
        return padded(width: side, height: side, background: background)
    }

    /// The content (everything that is not `background`) re-framed so that it fills `fill` (0-1) of the
    /// frame along its longer extent, centred; `square` makes the frame square. The content is cropped
    /// out first, so margins that were there are replaced, never added to. Nil when there is no content.
    public func reframed(fill: Double, square: Bool, background: RGB = .white, tolerance: Int) -> PixelBuffer? {
        guard let bounds = contentBounds(background: background, tolerance: tolerance) else { return nil }
        let content = cropped(to: bounds)
        let fill = Swift.min(1, Swift.max(0.01, fill))
        // floor keeps the measured fill at or just above the target.
        if square {
            let side = Swift.max(Int((Double(Swift.max(content.width, content.height)) / fill).rounded(.down)),
                                 Swift.max(content.width, content.height))
            return content.padded(width: side, height: side, background: background)
        }
        let frameWidth = Swift.max(Int((Double(content.width) / fill).rounded(.down)), content.width)
        let frameHeight = Swift.max(Int((Double(content.height) / fill).rounded(.down)), content.height)
        return content.padded(width: frameWidth, height: frameHeight, background: background)
    }

    /// The picture scaled so that its longer side is `longSide` pixels (Lanczos-3 in premultiplied alpha,
    /// after an integer box reduction for large reductions, as thumbnails are made).
    public func scaled(longSide: Int) -> PixelBuffer {
        let long = Swift.max(width, height)
        guard longSide > 0, longSide != long else { return self }
        let targetWidth = Swift.max(1, Int((Double(width) * Double(longSide) / Double(long)).rounded()))
        let targetHeight = Swift.max(1, Int((Double(height) * Double(longSide) / Double(long)).rounded()))
        let tables = TransferTables.gamma
        let factor = ThumbnailPlan.boxFactor(remaining: Double(long) / Double(longSide))
        var reducer = BoxReducer(width: width, height: height, layout: layout, factor: factor, tables: tables)
        pixels.withUnsafeBufferPointer { reducer.consume($0.baseAddress!, count: height) }
        let resized = LanczosResampler.resize(reducer.finish(), width: targetWidth, height: targetHeight)
        return resized.pixelBuffer(tables: tables)
    }
}
