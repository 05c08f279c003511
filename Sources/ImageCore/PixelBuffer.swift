/// How the channels of one pixel are laid out; samples are 8-bit, rows are packed without padding.
public enum PixelLayout: Int, Sendable, Codable {
    case grey = 1
    case greyAlpha = 2
    case rgb = 3
    case rgba = 4

    /// Samples per pixel.
    public var channels: Int { rawValue }
    /// Whether the last channel is alpha (straight, not premultiplied).
    public var hasAlpha: Bool { self == .greyAlpha || self == .rgba }
    /// Whether there are colour channels rather than one grey channel.
    public var isColor: Bool { self == .rgb || self == .rgba }
}

/// Decoded pixels: `height` rows of `width` pixels in `layout`, 8 bits a sample, rows packed tightly.
/// Every decoder produces this one type, so everything after decoding works on any format.
public struct PixelBuffer: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let layout: PixelLayout
    /// `height * rowBytes` samples, top row first.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, layout: PixelLayout, pixels: [UInt8]) {
        precondition(width > 0 && height > 0 && pixels.count == width * height * layout.channels,
                     "PixelBuffer: \(pixels.count) samples do not make \(width)×\(height) \(layout)")
        self.width = width
        self.height = height
        self.layout = layout
        self.pixels = pixels
    }

    /// Bytes in one row.
    public var rowBytes: Int { width * layout.channels }

    /// The samples of the pixel at (x, y), for tests and spot checks; not for loops over a whole image.
    public subscript(x: Int, y: Int) -> ArraySlice<UInt8> {
        let start = (y * width + x) * layout.channels
        return pixels[start..<start + layout.channels]
    }

    /// The same picture in another layout. Grey is replicated into colour and colour averaged into grey
    /// (Rec. 601 luma); alpha is dropped by compositing onto `background` (straight alpha), or added opaque.
    public func converted(to target: PixelLayout, background: RGB = .white) -> PixelBuffer {
        if target == layout { return self }
        let sourceChannels = layout.channels
        let targetChannels = target.channels
        let count = width * height
        let out = [UInt8](unsafeUninitializedCapacity: count * targetChannels) { output, initialized in
            pixels.withUnsafeBufferPointer { input in
                for index in 0..<count {
                    let s = index * sourceChannels
                    var r: Int, g: Int, b: Int, a: Int
                    if layout.isColor {
                        r = Int(input[s]); g = Int(input[s + 1]); b = Int(input[s + 2])
                    } else {
                        r = Int(input[s]); g = r; b = r
                    }
                    a = layout.hasAlpha ? Int(input[s + sourceChannels - 1]) : 255
                    if !target.hasAlpha && a != 255 {
                        r = (r * a + Int(background.red) * (255 - a) + 127) / 255
                        g = (g * a + Int(background.green) * (255 - a) + 127) / 255
                        b = (b * a + Int(background.blue) * (255 - a) + 127) / 255
                    }
                    let t = index * targetChannels
                    if target.isColor {
                        output[t] = UInt8(r); output[t + 1] = UInt8(g); output[t + 2] = UInt8(b)
                    } else {
                        output[t] = layout.isColor ? UInt8((r * 299 + g * 587 + b * 114 + 500) / 1000) : UInt8(r)
                    }
                    if target.hasAlpha { output[t + targetChannels - 1] = UInt8(a) }
                }
            }
            initialized = count * targetChannels
        }
        return PixelBuffer(width: width, height: height, layout: target, pixels: out)
    }

    /// The picture turned upright according to `orientation` (which describes how it is stored).
    public func oriented(_ orientation: Orientation) -> PixelBuffer {
        if orientation == .up { return self }
        let outWidth = orientation.swapsDimensions ? height : width
        let outHeight = orientation.swapsDimensions ? width : height
        let channels = layout.channels
        let out = [UInt8](unsafeUninitializedCapacity: pixels.count) { output, initialized in
            pixels.withUnsafeBufferPointer { input in
                for y in 0..<outHeight {
                    for x in 0..<outWidth {
                        let source = orientation.sourcePoint(x: x, y: y, storedWidth: width, storedHeight: height)
                        let s = (source.y * width + source.x) * channels
                        let t = (y * outWidth + x) * channels
                        for c in 0..<channels { output[t + c] = input[s + c] }
                    }
                }
            }
            initialized = pixels.count
        }
        return PixelBuffer(width: outWidth, height: outHeight, layout: layout, pixels: out)
    }
}

/// An opaque colour, for backgrounds that alpha is flattened onto.
public struct RGB: Sendable, Equatable, Codable {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    public static let white = RGB(red: 255, green: 255, blue: 255)
    public static let black = RGB(red: 0, green: 0, blue: 0)

    /// Parses `#rrggbb`, `rrggbb`, `white` or `black`.
    public init?(parsing text: String) {
        switch text.lowercased() {
        case "white": self = .white
        case "black": self = .black
        default:
            let hex = text.hasPrefix("#") ? String(text.dropFirst()) : text
            guard hex.count == 6, let value = UInt32(hex, radix: 16) else { return nil }
            self.init(red: UInt8(value >> 16), green: UInt8((value >> 8) & 0xFF), blue: UInt8(value & 0xFF))
        }
    }
}
