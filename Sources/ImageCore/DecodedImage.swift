/// The result of a full decode: the pixels and what was learnt about the file on the way.
public struct DecodedImage: Sendable {
    /// The pixels, upright when orientation was applied.
    public var pixels: PixelBuffer
    /// The file's header facts (stored size, orientation as recorded, ...).
    public var info: ImageInfo
    /// The embedded ICC profile, carried over when the image is encoded again.
    public var iccProfile: [UInt8]?
    /// True when `pixels` were turned upright; `info.orientation` still says how the file stored them.
    public var orientationApplied: Bool
    /// Warnings the `FailOn` policy let through, in the decoder's words.
    public var warnings: [String]
}

/// What a decoder hands back before orientation is applied.
struct RawDecode {
    var pixels: PixelBuffer
    var iccProfile: [UInt8]?
    var warnings: [String]
}
