import VicSee

/// One item as `report.json` and the review sheet show it: made from its journal record, so a re-run
/// shows the verdicts the earlier run reached.
public struct ItemReport: Sendable, Codable, Equatable {
    public var name: String
    public var input: String?
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
    public var verified: Bool?
    public var problems: [ItemProblem]
    public var thumbnail: String?
    /// The upscale of the output, when one was made or tried (`output`, `width` and `height` above are
    /// then the upscaled file's once it is done).
    public var upscale: UpscaleRecord?

    public init(_ record: ItemRecord, model: ModelSpec?) {
        name = record.name
        input = record.input
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
        verified = record.verified
        problems = record.problems + (record.upscale?.problems ?? [])
        thumbnail = record.thumbnail
        upscale = record.upscale
        if let upscale = record.upscale, upscale.state == .done {
            (output, width, height, format) = (upscale.output, upscale.width, upscale.height, upscale.format)
        }
    }
}
