/// One model as the catalogue describes it: what it takes, what it costs, what it returns.
public struct ModelSpec: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case textToImage = "text-to-image"
        case imageToImage = "image-to-image"
    }

    /// How the request body is laid out: `{"model", "input": {...}}`, or FLUX's alternative
    /// `{"model", "prompt", "options": {"resolution", "aspectRatio"}}`.
    public enum RequestShape: String, Sendable, Codable {
        case input
        case options
    }

    public struct Bounds: Sendable, Codable, Equatable {
        public var min: Int
        public var max: Int
    }

    public struct ReferenceLimits: Sendable, Codable, Equatable {
        public var min: Int
        public var max: Int
        public var maxBytes: Int
    }

    /// A rule the service enforces beyond the lists: with this aspect ratio, only these resolutions.
    public struct Constraint: Sendable, Codable, Equatable {
        public var aspectRatio: String
        public var resolutions: [ResolutionTier]
        public var reason: String
    }

    public var id: String
    public var family: String
    public var kind: Kind
    public var requestShape: RequestShape
    /// "auto" and ratios like "16:9", as the service spells them.
    public var aspectRatios: [String]
    public var resolutions: [ResolutionTier]
    public var defaultResolution: ResolutionTier
    public var defaultAspectRatio: String
    public var credits: [String: Int]
    public var dollarsPerCredit: Double
    public var prompt: Bounds
    public var references: ReferenceLimits
    public var constraints: [Constraint]
    /// Expected output [width, height] per aspect ratio and tier.
    public var outputSizes: [String: [String: [Int]]]
    /// Where the figures come from, and what is assumed.
    public var notes: String?

    /// The fixed ratios the model supports ("auto" left out), for choosing the nearest one.
    public var fixedRatios: [AspectRatio] { aspectRatios.compactMap(AspectRatio.init) }

    public func credits(for tier: ResolutionTier) -> Int? { credits[tier.rawValue] }

    /// The catalogue's expected output size, or nil when it has none for that combination.
    public func outputSize(aspect: AspectChoice, tier: ResolutionTier) -> (width: Int, height: Int)? {
        guard let size = outputSizes[aspect.description]?[tier.rawValue], size.count == 2 else { return nil }
        return (size[0], size[1])
    }

    /// The tiers allowed with `aspect`, after the constraints.
    public func resolutions(for aspect: AspectChoice) -> [ResolutionTier] {
        let rule = constraints.first { $0.aspectRatio == aspect.description }
        return resolutions.filter { rule?.resolutions.contains($0) ?? true }
    }
}
