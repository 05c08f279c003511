import Marketplace
import VicSee

/// One item as `report.json` and the review sheet show it: made from its journal record, so a re-run
/// shows the verdicts the earlier run reached.
public struct ItemReport: Sendable, Codable, Equatable {
    public var name: String
    public var input: String?
    /// A thumbnail of the reference (made by the `thumbnail` step in an image-to-image pipeline).
    public var referenceThumbnail: String?
    public var state: ItemState
    public var model: String?
    public var tier: String?
    public var ratio: String?
    public var distortion: Double?
    public var prompt: String?
    public var taskID: String?
    public var credits: Int?
    /// What the credits cost, in dollars, at the model's price.
    public var price: Double?
    /// `simulator` or the service's API root.
    public var backend: String?
    public var simulated: Bool
    public var output: String?
    public var width: Int?
    public var height: Int?
    public var format: String?
    /// The width × height paid for: what verify judged the output against, or (before any verdict) the
    /// catalogue's size for the model, tier and ratio; nil when neither knows one.
    public var expected: PixelSize?
    /// What `expected` rests on: `published`, `observed`, `reported`, `assumed` or `unlisted`.
    public var confidence: SizeBasis?
    public var verified: Bool?
    public var problems: [ItemProblem]
    public var thumbnail: String?
    /// `verify preset`'s verdicts, one per preset: each rule's outcome, measured value and what to change
    /// (see "Marketplace" in the README). Empty without `verify preset`.
    public var presets: [PresetReport]
    /// The upscale of the output, when one was made or tried (`output`, `width` and `height` above are
    /// then the upscaled file's once it is done).
    public var upscale: UpscaleRecord?

    public init(_ record: ItemRecord, model: ModelSpec?) {
        name = record.name
        input = record.input
        referenceThumbnail = record.referenceThumbnail
        state = record.effectiveState
        self.model = record.model
        tier = record.tier
        ratio = record.ratio
        distortion = record.distortion
        prompt = record.prompt
        taskID = record.taskID
        credits = record.credits
        price = record.credits.flatMap { credits in model.map { Double(credits) * $0.dollarsPerCredit } }
        backend = record.backend
        simulated = record.simulated
        output = record.output
        width = record.width
        height = record.height
        format = record.format
        let listed = Self.listedSize(model: model, tier: record.tier, ratio: record.ratio)
        expected = record.expected ?? listed?.size
        confidence = record.expected != nil ? record.confidence : listed.flatMap { SizeBasis(rawValue: $0.confidence.rawValue) }
        verified = record.verified
        problems = record.problems + (record.upscale?.problems ?? [])
        thumbnail = record.thumbnail
        presets = record.presets
        upscale = record.upscale
        if let upscale = record.upscale, upscale.state == .done {
            (output, width, height, format) = (upscale.output, upscale.width, upscale.height, upscale.format)
        }
    }
}

extension ItemReport {
    /// The catalogue's size for a model, tier and ratio; nil for `auto` or a size it does not list.
    static func listedSize(model: ModelSpec?, tier: String?, ratio: String?) -> CatalogueSize? {
        guard let model, let tier = tier.flatMap({ ResolutionTier($0) }), let aspect = ratio.flatMap({ AspectChoice($0) }) else { return nil }
        return model.outputSize(aspect: aspect, tier: tier)
    }
}
