/// What a file's header says about it, read without decoding any pixels.
public struct ImageInfo: Sendable, Equatable, Codable {
    /// The real format, from the file's content.
    public var format: ImageFormat
    /// Width as the pixels are stored (before orientation).
    public var storedWidth: Int
    /// Height as the pixels are stored (before orientation).
    public var storedHeight: Int
    /// The EXIF orientation (`.up` when the file records none).
    public var orientation: Orientation
    /// The file's size in bytes.
    public var bytes: Int
    /// True when the decoded image carries transparency (alpha channel, tRNS, WebP ALPH or lossless alpha).
    public var hasAlpha: Bool
    /// True for an animated WebP (or APNG); decoding gives its first frame.
    public var isAnimated: Bool
    /// Progressive JPEG or Adam7-interlaced PNG.
    public var isProgressive: Bool
    /// Bits per sample as stored (1-16); 8 for WebP.
    public var bitDepth: Int
    /// How colour is stored.
    public var colorModel: ColorModel
    /// Whether an ICC colour profile is embedded.
    public var hasICCProfile: Bool

    public init(
        format: ImageFormat, storedWidth: Int, storedHeight: Int, orientation: Orientation = .up, bytes: Int,
        hasAlpha: Bool, isAnimated: Bool = false, isProgressive: Bool = false, bitDepth: Int = 8,
        colorModel: ColorModel, hasICCProfile: Bool = false
    ) {
        self.format = format
        self.storedWidth = storedWidth
        self.storedHeight = storedHeight
        self.orientation = orientation
        self.bytes = bytes
        self.hasAlpha = hasAlpha
        self.isAnimated = isAnimated
        self.isProgressive = isProgressive
        self.bitDepth = bitDepth
        self.colorModel = colorModel
        self.hasICCProfile = hasICCProfile
    }

    /// Width of the picture as it should be shown (after orientation).
    public var width: Int { orientation.swapsDimensions ? storedHeight : storedWidth }
    /// Height of the picture as it should be shown (after orientation).
    public var height: Int { orientation.swapsDimensions ? storedWidth : storedHeight }
    /// Stored pixel count, which decides the memory a full decode needs.
    public var pixelCount: Int { storedWidth * storedHeight }
}
