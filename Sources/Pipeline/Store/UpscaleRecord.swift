/// An item's upscale, as the journal keeps it beside the generation (`ItemRecord.upscale`): its own
/// state in the same table of moves as the item's (`ItemState`), so the same rules hold for the second
/// paid task — the intent is on disk before the submit, the task id before the run goes on, and a done
/// upscale is never paid again.
public struct UpscaleRecord: Codable, Sendable, Equatable, SavedOutput {
    public var state: ItemState
    /// The upscale step's settings and what is upscaled (the generation's task, or the item's input): a
    /// change starts a new upscale.
    public var key: String
    public var factor: Int
    /// The output that was upscaled, and its size: the upscaled one must be exactly `factor` times it.
    public var source: String
    public var sourceWidth: Int
    public var sourceHeight: Int
    public var taskID: String?
    /// Credits charged for the upscale (refunded when it failed).
    public var credits: Int?
    public var output: String?
    public var outputBytes: Int?
    public var outputModified: Int64?
    public var checksum: String?
    public var width: Int?
    public var height: Int?
    public var format: String?
    public var verified: Bool?
    public var problems: [ItemProblem]

    public init(state: ItemState, key: String, factor: Int, source: String, sourceWidth: Int, sourceHeight: Int) {
        self.state = state
        self.key = key
        self.factor = factor
        self.source = source
        self.sourceWidth = sourceWidth
        self.sourceHeight = sourceHeight
        problems = []
    }
}
