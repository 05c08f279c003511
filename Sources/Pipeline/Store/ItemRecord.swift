import VicSee
import GRDB
import Marketplace

/// Everything the journal knows about one item: where it stands, what was asked and paid for, the
/// output and its verdict. `report.json` and the review sheet are made from these rows, so a re-run
/// shows the same verdicts as the run that made them.
public struct ItemRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, SavedOutput {
    public static let databaseTableName = "item_records"

    /// SHA-256 of the item's identity, its input's bytes and the canonical text of the steps that shape it.
    public var key: String
    public var name: String
    /// The reference image, for image-to-image items.
    public var input: String?
    public var state: ItemState

    // What was asked.
    public var model: String?
    public var tier: String?
    public var ratio: String?
    /// How far the reference is from the chosen ratio (0.04 = 4 %).
    public var distortion: Double?
    public var prompt: String?

    // What was paid.
    public var taskID: String?
    /// Credits charged for the task (refunded when it failed).
    public var credits: Int?
    /// `simulator` or the API root of the service the task went to.
    public var backend: String?
    /// True when the output came from a simulator: it must never pass for a real one.
    public var simulated: Bool

    // What came back.
    public var output: String?
    public var outputBytes: Int?
    /// Modification time (ns since 1970) when the output was saved: with the size, a cheap sign that it
    /// is unchanged, so the checksum is only recomputed when one of them differs.
    public var outputModified: Int64?
    public var checksum: String?
    public var width: Int?
    public var height: Int?
    public var format: String?

    // The verdict.
    /// The verify settings the verdict was reached with: a change re-verifies.
    public var verifyKey: String?
    public var verified: Bool?
    public var problems: [ItemProblem]
    /// The width × height verify judged the output against (the size paid for), and what that size rests
    /// on: `published`, `observed`, `reported`, `assumed` or `unlisted`.
    public var expected: PixelSize?
    public var confidence: SizeBasis?
    /// A thumbnail of the reference, shown beside the output's on the review sheet, and the thumbnail
    /// settings it was made with: a change remakes it.
    public var referenceThumbnail: String?
    public var referenceThumbnailKey: String?
    public var thumbnail: String?
    /// The thumbnail settings and output checksum it was made from: a change remakes it.
    public var thumbnailKey: String?

    // Marketplace presets.
    /// The copy `fit` made of the output (the output itself is never changed).
    public var fitted: String?
    /// The fit settings, the preset's rules and the output checksum it was made from: a change remakes it.
    public var fitKey: String?
    /// `verify preset`'s verdicts, one per preset, on the fitted copy when there is one.
    public var presets: [PresetReport]
    /// The preset check's settings, the presets' rules and the file it judged: a change checks again.
    public var presetKey: String?
    public var updatedAt: Double
    /// The upscale of the output (the `upscale` step), with its own state; nil when none was needed.
    public var upscale: UpscaleRecord?

    public init(key: String, name: String, input: String?) {
        self.key = key
        self.name = name
        self.input = input
        state = .pending
        simulated = false
        problems = []
        presets = []
        updatedAt = 0
    }
}

extension ItemRecord {
    /// Where the item stands as a whole: the upscale's state once the generation is done and an upscale
    /// was started (an upscale not done leaves the item not done), else the generation's.
    public var effectiveState: ItemState {
        guard state == .done, let upscale else { return state }
        return upscale.state
    }

    /// The item's final file: the upscaled output once the upscale is done, else the output; with its
    /// checksum and format as recorded.
    public var finalOutput: (path: String, checksum: String?, format: String?)? {
        if let upscale, upscale.state == .done, let path = upscale.output { return (path, upscale.checksum, upscale.format) }
        return output.map { ($0, checksum, format) }
    }
}
