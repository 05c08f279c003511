import ImageCore
import Marketplace
import VicSee

/// What happened to an item at a step, for the command line's progress lines and `--json` events.
public struct RunEvent: Sendable {
    public var item: String
    public var step: String
    public var state: ItemState
    /// Extra words (a task id submitted, a journal failure).
    public var message: String?
    public var problems: [ItemProblem]
    /// The item's credits (its generation's, once submitted).
    public var credits: Int?
    /// The item's task at the service, once submitted.
    public var task: String?
    /// The item's final file so far: the upscaled output, else the output (the input without generate).
    public var output: String?
    /// The run's progress when the event was sent (filled in by the run).
    public var progress = RunProgress()

    public init(item: String, step: String, state: ItemState, message: String?, problems: [ItemProblem], credits: Int? = nil,
                task: String? = nil, output: String? = nil) {
        self.item = item
        self.step = step
        self.state = state
        self.message = message
        self.problems = problems
        self.credits = credits
        self.task = task
        self.output = output
    }
}

/// What all items of a run share: the pipeline, the model, the journal, the budget, the service and the
/// folders. `plan` uses the same stages with no journal writes and no service.
final class RunContext: Sendable {
    let spec: PipelineSpec
    let catalogue: ModelCatalogue
    /// The generate step's model, when there is one.
    let model: ModelSpec?
    let options: RunOptions
    /// Nil when planning: nothing is recorded.
    let journal: Journal?
    let budget: Budget
    let control: RunControl
    /// Nil when planning, or when nothing is generated or upscaled.
    let session: GenerationSession?
    /// The marketplace presets the pipeline names (`verify preset`, `fit preset`), by name.
    let presets: [String: Preset]
    private let events: @Sendable (RunEvent) -> Void
    /// Items started and finished, for the progress each event carries.
    let progress: ProgressCounter
    /// How long tasks took, by kind (from the journal, and this run's): adaptive polling plans from it.
    let durations: TaskDurations
    /// Tasks in flight against the daily request limit.
    let requests = RequestBudget()

    init(spec: PipelineSpec, catalogue: ModelCatalogue, options: RunOptions, journal: Journal?, budget: Budget,
         control: RunControl, session: GenerationSession?, presets: [String: Preset] = [:], progress: ProgressCounter = ProgressCounter(),
         events: @escaping @Sendable (RunEvent) -> Void) {
        self.spec = spec
        self.catalogue = catalogue
        self.model = spec.generate.flatMap { catalogue.model($0.model) }
        self.options = options
        self.journal = journal
        self.budget = budget
        self.control = control
        self.session = session
        self.presets = presets
        self.events = events
        self.progress = progress
        durations = TaskDurations(journal?.durations ?? [:])
    }

    /// Tells the run's listener, with the run's progress as it stands.
    func emit(_ event: RunEvent) {
        var event = event
        event.progress = progress.snapshot
        events(event)
    }

    /// How references reach the service: the publish step's way, or the default for the service.
    var publishWay: PublishStep.Way { spec.publishWay(serviceOnThisMachine: session?.backend.isOnThisMachine ?? true) }

    /// How tasks are polled: the run's choice, else the session's default for its service.
    var pollPolicy: PollPolicy { options.pollPolicy ?? session?.pollPolicy ?? PollPolicy() }

    /// Publishes references the run's way, remembering uploads in the journal.
    func publisher(_ session: GenerationSession) -> ReferencePublisher {
        ReferencePublisher(way: publishWay, session: session, journal: journal)
    }

    var isPlan: Bool { journal == nil }
    /// How strictly outputs are decoded when downloaded: verify's default, so that verify can use that
    /// decode rather than making its own.
    let downloadStrictness = FailOn.warning
    var outputDirectory: String { spec.outputDirectory }
    /// Where this run keeps its journal and report: the output folder, or its shard's folder below it.
    var stateDirectory: String { PipelineRunner.stateDirectory(spec, shard: options.shard) }
    /// Derived references (shrunk, cropped, padded).
    var workDirectory: String { stateDirectory + "/.work" }
    /// Downloads before they are checked and named.
    var downloadDirectory: String { stateDirectory + "/.downloads" }
}
