/// How to encode, for any of the three formats; each format reads the options that concern it.
public struct EncodeOptions: Sendable, Equatable {
    /// JPEG and lossy WebP quality, 1-100.
    public var quality: Int
    /// Write a progressive JPEG (smaller for large photos, shows early on slow links).
    public var progressive: Bool
    /// PNG zlib level, 0 (fastest) to 9 (smallest).
    public var compressionLevel: Int
    /// Write lossless WebP instead of lossy.
    public var lossless: Bool
    /// The colour alpha is flattened onto when the format has no alpha (JPEG).
    public var background: RGB
    /// A text stored in the file (PNG tEXt "Comment", JPEG COM marker); WebP files carry none.
    public var comment: String?

    public init(quality: Int = 85, progressive: Bool = false, compressionLevel: Int = 6, lossless: Bool = false,
                background: RGB = .white, comment: String? = nil) {
        self.comment = comment
        self.quality = quality
        self.progressive = progressive
        self.compressionLevel = compressionLevel
        self.lossless = lossless
        self.background = background
    }

    func validate(path: String) throws(EncodeError) {
        guard (1...100).contains(quality) else {
            throw .invalidOption(path: path, name: "quality", expected: "an integer from 1 to 100", received: "\(quality)")
        }
        guard (0...9).contains(compressionLevel) else {
            throw .invalidOption(path: path, name: "compression level", expected: "an integer from 0 to 9",
                                 received: "\(compressionLevel)")
        }
    }
}
