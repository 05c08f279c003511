/// How a thumbnail fills its box.
public enum ThumbnailFit: String, Sendable, CaseIterable, Codable {
    /// The whole picture fits inside the box; one side may be shorter.
    case inside
    /// The picture fills the box; what sticks out is cropped, centred.
    case cover
    /// The whole picture fits inside the box, which is filled out with the background colour.
    case pad
}

/// The colour space filtering happens in.
public enum ResamplingLight: String, Sendable, CaseIterable, Codable {
    /// On the stored (sRGB-encoded) values, as most tools do: fast, and what viewers expect.
    case gamma
    /// On linear light: truer averages of fine bright/dark detail, at some cost.
    case linear
}

/// What a thumbnail should be. Options are only recorded here; `Thumbnailer` applies them in one fixed
/// order (header → orientation-aware target → shrink-on-load → reduce → rotate → crop or pad → encode).
public struct ThumbnailOptions: Sendable, Equatable {
    /// Largest width of the box, upright; nil for no limit.
    public var width: Int?
    /// Largest height of the box, upright; nil for no limit.
    public var height: Int?
    public var fit: ThumbnailFit
    /// Allow a picture smaller than the box to be enlarged.
    public var upscale: Bool
    /// Output format; nil keeps the input's.
    public var format: ImageFormat?
    /// JPEG and lossy WebP quality, 1-100.
    public var quality: Int
    /// The colour alpha is flattened onto (JPEG) and that `pad` fills with.
    public var background: RGB
    public var light: ResamplingLight
    /// How strict decoding is.
    public var failOn: FailOn
    /// Limits checked from the header before decoding.
    public var limits: ImageLimits
    /// Embedded profiles are converted to sRGB by default, as web tools do; `.keepProfile` keeps them.
    public var colour: ColourHandling = .convertToSRGB
    /// What metadata the thumbnail carries over (default: the AI-provenance mark only).
    public var metadata: MetadataPolicy = .provenance

    public init(width: Int? = 256, height: Int? = 256, fit: ThumbnailFit = .inside, upscale: Bool = false,
                format: ImageFormat? = nil, quality: Int = 80, background: RGB = .white, light: ResamplingLight = .gamma,
                failOn: FailOn = .truncated, limits: ImageLimits = ImageLimits()) {
        self.width = width
        self.height = height
        self.fit = fit
        self.upscale = upscale
        self.format = format
        self.quality = quality
        self.background = background
        self.light = light
        self.failOn = failOn
        self.limits = limits
    }

    /// The same options with another colour handling and metadata policy.
    public func with(colour: ColourHandling, metadata: MetadataPolicy) -> ThumbnailOptions {
        var options = self
        options.colour = colour
        options.metadata = metadata
        return options
    }

    /// Fit inside an N×N box.
    public static func size(_ side: Int) -> ThumbnailOptions { ThumbnailOptions(width: side, height: side) }

    /// Problems with the options themselves, in the words of "expected positive integer for width but
    /// received -3"; empty when they are usable.
    public var problems: [String] {
        var problems: [String] = []
        if let width, width <= 0 { problems.append("expected a positive integer for width but received \(width)") }
        if let height, height <= 0 { problems.append("expected a positive integer for height but received \(height)") }
        if width == nil && height == nil { problems.append("expected a width, a height or both, but received neither") }
        if fit != .inside && (width == nil || height == nil) {
            problems.append("--fit \(fit.rawValue) needs both a width and a height (or --size)")
        }
        if !(1...100).contains(quality) { problems.append("expected an integer from 1 to 100 for quality but received \(quality)") }
        return problems
    }
}
