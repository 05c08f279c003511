import Foundation
import ImageCore
import VicSee

/// An output file decoded when it was downloaded, at `RunContext.downloadStrictness`, or why that failed.
struct DecodedOutput {
    var path: String
    var decoded: Result<DecodedImage, any Error>
}

/// Ends an item's way through the stages for this run; its state and problems are already in the journal.
struct ItemStop: Error {}

/// A change the reference needs before it is sent. Stages only record these; the generate stage applies
/// them, in order, only when the item is really submitted — a run with nothing to send does no image work.
enum ReferenceTransform: Sendable, Equatable {
    /// Make a copy within the byte and pixel limits.
    case shrink(maxBytes: Int, maxPixels: Int)
    /// Crop (centred) to exactly this ratio.
    case crop(AspectRatio)
    /// Pad to exactly this ratio.
    case pad(AspectRatio)
}

/// Everything known about one item while it goes through the stages, each fact computed once: the
/// journal's record, the reference's header, the ratio chosen, the reference changes recorded, and the
/// decoded output (decoded once, when it is downloaded, for verification).
struct ItemContext {
    let item: PipelineItem
    let key: String
    /// The journal's record of the item, kept equal to what the journal holds.
    private(set) var record: ItemRecord
    /// The reference's header facts (set by check).
    var reference: ImageInfo?
    /// Changes to make to the reference before sending it (set by check and aspect).
    var transforms: [ReferenceTransform] = []
    /// The ratio to ask for (set by aspect).
    var aspect: AspectChoice?
    /// The output, decoded once when downloaded.
    var output: DecodedOutput?
    /// Credits this run reserved for the item's submit, given back if the task is refunded.
    var reserved: Int?
    /// When this run submitted the item's task (nil: an earlier run did): polling plans from it.
    var submittedAt: ContinuousClock.Instant?
    /// The same for the item's upscale.
    var upscaleReserved: Int?
    var upscaleSubmittedAt: ContinuousClock.Instant?
    /// What the upscale step would do (set when planning).
    var upscalePlan: UpscalePlan?
    /// Events sent for the item so far: the executor sends one for a stage that sent none.
    private(set) var eventsSent = 0

    init(item: PipelineItem, key: String, record: ItemRecord) {
        self.item = item
        self.key = key
        self.record = record
    }

    var name: String { item.name.text }

    /// The stem of files derived from `source` (thumbnails, fit copies): the output's file name without
    /// its extension (`SIMULATED-mug`), or the item's name when the pipeline generates nothing.
    func derivedStem(of source: String, in run: RunContext) -> String {
        run.spec.generate != nil ? ((source as NSString).lastPathComponent as NSString).deletingPathExtension : item.name.fileStem
    }

    /// Whether the item still has to be sent for its current key (or sent again, when allowed).
    var needsReference: Bool {
        record.state.isUnsent || [.submitting, .unknown, .lost].contains(record.state)
    }

    /// Changes facts of the record that are saved with the item's next move (a ratio chosen, a path).
    mutating func update(_ change: (inout ItemRecord) -> Void) {
        change(&record)
    }

    /// Changes the record with `change`, moves it to `state` and makes that durable (or batched, for what
    /// is not money) in the journal, telling the run's listener. A journal that cannot be written stops
    /// the whole run: nothing more is submitted without a record of it.
    mutating func move(to state: ItemState, step: String, in run: RunContext, _ change: (inout ItemRecord) -> Void = { _ in }) throws(ItemStop) {
        var next = record
        change(&next)
        next.state = state
        if let journal = run.journal {
            do {
                try journal.save(next, expected: record.state)
            } catch {
                run.control.requestStop(.journalFailed)
                var event = self.event(step: step)
                (event.message, event.problems) = (error.description, [])
                emit(event, in: run)
                throw ItemStop()
            }
        }
        record = next
        emit(event(step: step), in: run)
    }

    /// The item as it stands, as an event of `step`.
    func event(step: String, message: String? = nil) -> RunEvent {
        RunEvent(item: name, step: step, state: record.effectiveState, message: message,
                 problems: record.problems + (record.upscale?.problems ?? []), credits: record.credits,
                 task: record.upscale?.taskID ?? record.taskID, output: record.finalOutput?.path)
    }

    /// Sends `event` to the run's listener, counting it.
    mutating func emit(_ event: RunEvent, in run: RunContext) {
        eventsSent += 1
        run.emit(event)
    }

    /// Changes the item's upscale with `change` and moves it to `state` (creating it when `start` is
    /// given), through the same compare-and-set and durability rules as the item's own moves.
    mutating func moveUpscale(to state: ItemState, step: String, in run: RunContext, start: UpscaleRecord? = nil,
                              _ change: (inout UpscaleRecord) -> Void = { _ in }) throws(ItemStop) {
        guard var upscale = start ?? record.upscale else { return }
        change(&upscale)
        upscale.state = state
        try move(to: record.state, step: step, in: run) { $0.upscale = upscale }
    }

    /// Moves to `state` with `problem` as the item's problem, and ends the item for this run.
    mutating func stop(_ state: ItemState, step: String, in run: RunContext, _ problem: ItemProblem,
                       _ change: (inout ItemRecord) -> Void = { _ in }) throws(ItemStop) -> Never {
        try move(to: state, step: step, in: run) { record in
            change(&record)
            record.problems = [problem]
        }
        throw ItemStop()
    }
}

/// A step that works on each item, in the executor's fixed order.
protocol ItemStage: Sendable {
    /// The step's keyword, for events.
    var keyword: String { get }
    /// What the step would do, with no side effect: no file written, nothing sent.
    func plan(_ item: inout ItemContext, in run: RunContext) throws(ItemStop)
    /// Does the step's work for the item, recording what matters in the journal.
    func run(_ item: inout ItemContext, in run: RunContext) async throws(ItemStop)
    /// What the step found for the item, for the event of a step that moved nothing (a format and size,
    /// a ratio); nil: nothing to add.
    func note(for item: ItemContext) -> String?
}

extension ItemStage {
    func plan(_ item: inout ItemContext, in run: RunContext) throws(ItemStop) {}
    func note(for item: ItemContext) -> String? { nil }
}
