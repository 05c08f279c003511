import ImageCore

/// One marketplace's rules for one kind of image (Amazon's MAIN image, a Shopify product image, ...).
public struct Preset: Sendable, Codable, Equatable {
    /// The name commands take (`amazon-main`).
    public var name: String
    public var title: String
    public var rules: [Rule]
}

/// One rule of a preset: what is measured and against what, how binding it is, and where it comes from.
public struct Rule: Sendable, Codable, Equatable {
    /// Short and stable within its preset (`background`, `long-side`).
    public var id: String
    public var check: Check
    public var severity: Severity
    public var source: RuleSource

    public init(id: String, check: Check, severity: Severity, source: RuleSource) {
        self.id = id
        self.check = check
        self.severity = severity
        self.source = source
    }

    private enum CodingKeys: String, CodingKey {
        case id, kind, severity, source, checked, evidence, note
        case allowed, min, max, width, height, value, tolerance, minShare
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        severity = try c.decode(Severity.self, forKey: .severity)
        source = RuleSource(
            page: try c.decode(String.self, forKey: .source), checked: try c.decode(String.self, forKey: .checked),
            evidence: try c.decode(Evidence.self, forKey: .evidence), note: try c.decodeIfPresent(String.self, forKey: .note) ?? "")
        let kind = try c.decode(String.self, forKey: .kind)
        switch kind {
        case "format": check = .format(allowed: try c.decode([String].self, forKey: .allowed))
        case "long-side":
            check = .longSide(min: try c.decodeIfPresent(Int.self, forKey: .min), max: try c.decodeIfPresent(Int.self, forKey: .max))
        case "min-size": check = .minSize(width: try c.decode(Int.self, forKey: .width), height: try c.decode(Int.self, forKey: .height))
        case "max-size": check = .maxSize(width: try c.decode(Int.self, forKey: .width), height: try c.decode(Int.self, forKey: .height))
        case "max-megapixels": check = .maxMegapixels(try c.decode(Double.self, forKey: .value))
        case "max-bytes": check = .maxBytes(try c.decode(Int.self, forKey: .value))
        case "square": check = .square(tolerance: try c.decodeIfPresent(Double.self, forKey: .tolerance) ?? 0.01)
        case "white-background":
            check = .whiteBackground(tolerance: try c.decode(Int.self, forKey: .tolerance),
                                     minShare: try c.decode(Double.self, forKey: .minShare))
        case "fill": check = .fill(min: try c.decode(Double.self, forKey: .min), tolerance: try c.decode(Int.self, forKey: .tolerance))
        case "colour-space": check = .colourSpace
        case "ai-provenance": check = .aiProvenance
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: c,
                debugDescription: "unknown rule kind '\(kind)' (known: \(Check.kinds.joined(separator: ", ")))")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(check.kind, forKey: .kind)
        try c.encode(severity, forKey: .severity)
        try c.encode(source.page, forKey: .source)
        try c.encode(source.checked, forKey: .checked)
        try c.encode(source.evidence, forKey: .evidence)
        try c.encode(source.note, forKey: .note)
        switch check {
        case .format(let allowed): try c.encode(allowed, forKey: .allowed)
        case .longSide(let min, let max):
            try c.encodeIfPresent(min, forKey: .min)
            try c.encodeIfPresent(max, forKey: .max)
        case .minSize(let width, let height), .maxSize(let width, let height):
            try c.encode(width, forKey: .width)
            try c.encode(height, forKey: .height)
        case .maxMegapixels(let value): try c.encode(value, forKey: .value)
        case .maxBytes(let value): try c.encode(value, forKey: .value)
        case .square(let tolerance): try c.encode(tolerance, forKey: .tolerance)
        case .whiteBackground(let tolerance, let minShare):
            try c.encode(tolerance, forKey: .tolerance)
            try c.encode(minShare, forKey: .minShare)
        case .fill(let min, let tolerance):
            try c.encode(min, forKey: .min)
            try c.encode(tolerance, forKey: .tolerance)
        case .colourSpace, .aiProvenance: break
        }
    }
}

/// What a rule measures.
public enum Check: Sendable, Equatable {
    /// The format by content is one of these (`jpeg`, `png`, `webp`, or formats imagepipe cannot write).
    case format(allowed: [String])
    /// The longer side, upright, in pixels.
    case longSide(min: Int?, max: Int?)
    /// Both sides at least this.
    case minSize(width: Int, height: Int)
    /// Both sides at most this.
    case maxSize(width: Int, height: Int)
    case maxMegapixels(Double)
    case maxBytes(Int)
    /// Width and height equal within `tolerance` (a share of the longer side).
    case square(tolerance: Double)
    /// The outer ring of pixels (1 % of the shorter side, at least 1 px) is white within `tolerance`
    /// levels per channel and opaque, for at least `minShare` of its pixels.
    case whiteBackground(tolerance: Int, minShare: Double)
    /// The content's bounding box (pixels further than `tolerance` levels from white, after flattening
    /// alpha onto white) spans at least `min` of the frame along its longer extent.
    case fill(min: Double, tolerance: Int)
    /// The pixels are sRGB: no profile, or one that is sRGB; not CMYK, not a wide-gamut RGB profile.
    case colourSpace
    /// An AI-generated image names its IPTC digital source type in its metadata.
    case aiProvenance

    static let kinds = ["format", "long-side", "min-size", "max-size", "max-megapixels", "max-bytes", "square",
                        "white-background", "fill", "colour-space", "ai-provenance"]

    public var kind: String {
        switch self {
        case .format: "format"
        case .longSide: "long-side"
        case .minSize: "min-size"
        case .maxSize: "max-size"
        case .maxMegapixels: "max-megapixels"
        case .maxBytes: "max-bytes"
        case .square: "square"
        case .whiteBackground: "white-background"
        case .fill: "fill"
        case .colourSpace: "colour-space"
        case .aiProvenance: "ai-provenance"
        }
    }
}

/// How binding a rule is.
public enum Severity: String, Sendable, Codable {
    /// The marketplace rejects or suppresses an image that breaks it.
    case required
    /// Advice: breaking it gives an `advisory` verdict, never a failure.
    case recommended
}

/// How strong the evidence for a rule's figure is.
public enum Evidence: String, Sendable, Codable {
    /// Read on the marketplace's own page.
    case published
    /// The marketplace's figure as quoted by others; its own page could not be read from here.
    case quoted
    /// No published figure found: imagepipe's reading, and every verdict says so.
    case assumed
}

/// Where a rule comes from and when that was checked.
public struct RuleSource: Sendable, Codable, Equatable {
    /// The page's address ("" when nothing was found published).
    public var page: String
    /// The date the page was read (YYYY-MM-DD).
    public var checked: String
    public var evidence: Evidence
    /// What the page says, in brief, and any reading imagepipe adds.
    public var note: String
}
