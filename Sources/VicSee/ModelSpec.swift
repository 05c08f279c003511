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
        /// Largest width × height of a reference the service accepts, in millions of pixels; nil when
        /// not known (an override file may leave it out).
        public var maxMegapixels: Double?
        /// The widest and tallest width ÷ height of a reference the service accepts; nil when not known.
        public var ratio: RatioRange?
        /// Where these limits come from.
        public var source: String?
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
    /// Expected output sizes per aspect ratio and tier, in tables by source and confidence.
    public var outputSizes: [OutputSizeTable]
    /// Where the figures come from, and what is assumed.
    public var notes: String?

    /// The fixed ratios the model supports ("auto" left out), for choosing the nearest one.
    public var fixedRatios: [AspectRatio] { aspectRatios.compactMap(AspectRatio.init) }

    public func credits(for tier: ResolutionTier) -> Int? { credits[tier.rawValue] }

    /// The catalogue's expected output size with its confidence, or nil when it has none for that combination.
    public func outputSize(aspect: AspectChoice, tier: ResolutionTier) -> CatalogueSize? {
        for table in outputSizes {
            if let size = table.sizes[aspect.description]?[tier.rawValue] {
                return CatalogueSize(size: size, confidence: table.confidence, source: table.source)
            }
        }
        return nil
    }

    /// Every catalogue size at `tier`, by aspect ("auto" included), in a fixed order.
    public func outputSizes(at tier: ResolutionTier) -> [(aspect: String, size: CatalogueSize)] {
        outputSizes.flatMap { table in
            table.sizes.compactMap { aspect, tiers in
                tiers[tier.rawValue].map { (aspect, CatalogueSize(size: $0, confidence: table.confidence, source: table.source)) }
            }
        }.sorted { $0.aspect < $1.aspect }
    }

    /// What makes the size tables unusable: a ratio and tier listed twice (in two tables, which would make
    /// its confidence ambiguous), an aspect that is neither "auto" nor a ratio, a tier that is not 1K/2K/4K.
    func sizeTableProblems() -> [String] {
        var seen: Set<String> = []
        var problems: [String] = []
        for table in outputSizes {
            for (aspect, tiers) in table.sizes {
                if aspect != "auto", AspectRatio(aspect) == nil { problems.append("'\(aspect)' is not auto or a ratio such as 16:9") }
                for tier in tiers.keys {
                    if ResolutionTier(rawValue: tier) == nil { problems.append("'\(tier)' (at \(aspect)) is not 1K, 2K or 4K") }
                    if !seen.insert("\(aspect) \(tier)").inserted { problems.append("\(aspect) \(tier) is listed in two size tables") }
                }
            }
        }
        return problems
    }

    /// The tiers allowed with `aspect`, after the constraints.
    public func resolutions(for aspect: AspectChoice) -> [ResolutionTier] {
        let rule = constraints.first { $0.aspectRatio == aspect.description }
        return resolutions.filter { rule?.resolutions.contains($0) ?? true }
    }
}
