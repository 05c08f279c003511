import ErrorVocabulary
import VicSee

/// How a run may spend and what it may send again.
public struct RunOptions: Sendable {
    /// Stop submitting once this many credits (this run's, net of refunds) would be passed.
    public var maxCredits: Int?
    /// Send again the submits whose outcome is unknown (this may charge twice).
    public var resubmitUnknown = false
    /// Send again the items whose task the service no longer has (this pays again).
    public var resubmitLost = false
    /// Task ids to take for items by name: for a submit whose task id the journal could not keep.
    public var adopt: [String: String] = [:]
    /// Items in flight at once; default: generate's concurrency, or the core count without generate.
    public var jobs: Int?
    /// The run refuses to start with less free space than this in the output folder's file system.
    public var minimumFreeBytes: Int64 = 50_000_000
    /// For the crash tests: the process kills itself after this many journal commits.
    public var crashAfterWrites: Int?
    /// The file the pipeline was read from, named in report.json and on the review sheet.
    public var pipelineFile: String?
    /// How tasks are polled; nil: adaptive, from the durations seen (see `PollPolicy`).
    public var pollPolicy: PollPolicy?
    /// The shard of the batch this process takes (`--shard K/N`); its journal, lock and report live in
    /// `OUT/shards/K-of-N/`, its outputs in `OUT` like any run's. `maxCredits` is then this shard's.
    public var shard: Shard?

    public init() {}
}

/// A task the service made whose id the journal could not keep (a full disk): printed, so that nothing
/// paid for is lost (`--adopt NAME=TASK_ID` hands it to the next run).
public struct UnjournaledTask: Sendable, Equatable {
    public var item: String
    public var taskID: String
}

/// What a run did.
public struct RunSummary: Sendable {
    public var items: [ItemReport]
    /// Credits this run committed, net of refunds.
    public var creditsCommitted: Int
    public var reportPath: String
    public var htmlPath: String
    /// Why `report.json` and `index.html` could not be written (a full disk), when they could not.
    public var reportProblem: String?
    /// Why the run ended early, if it did.
    public var stop: RunStop?
    /// Input patterns that matched nothing (the run's other items still ran).
    public var inputProblems: [ItemProblem] = []
    public var unjournaled: [UnjournaledTask]

    /// Items not done, in run order.
    public var unfinished: [ItemReport] { items.filter { $0.state != .done } }
}

/// Why a run could not start, or had to end.
public enum RunError: SubjectError {
    /// A pipeline built in Swift breaks rules the parser would have refused.
    case invalid([SpecProblem])
    case outputFolder(path: String, detail: String)
    case lowDiskSpace(path: String, free: Int64, needed: Int64)
    case locked(RunLockError)
    case journal(JournalError)
    case publish(PublishError)
    /// The service (or the embedded simulator) could not be started.
    case backend(detail: String)
    /// A paying run divided otherwise than the journals already in its output folder (`requested` nil: a
    /// whole run); it would generate and pay again for what they hold.
    case shardingConflict(path: String, found: ShardingConflict, requested: Shard?)

    public var subject: String {
        switch self {
        case .invalid: "pipeline"
        case .outputFolder(let path, _), .lowDiskSpace(let path, _, _): path
        case .locked(let error): error.subject
        case .journal(let error): error.subject
        case .publish(let error): error.subject
        case .backend: "backend"
        case .shardingConflict(let path, _, _): path
        }
    }

    public var reason: String {
        switch self {
        case .invalid(let problems): problems.map(\.message).joined(separator: "; ")
        case .outputFolder(_, let detail): detail
        case .lowDiskSpace(_, let free, let needed):
            "only \(free / 1_000_000) MB free; a run needs at least \(needed / 1_000_000) MB (outputs, journal). Free some space or lower --min-free"
        case .locked(let error): error.reason
        case .journal(let error): error.reason
        case .publish(let error): error.reason
        case .backend(let detail): detail
        case .shardingConflict(_, .wholeRunJournal, let requested):
            "a run without --shard keeps its journal here (journal.sqlite); shard \(requested.map(\.description) ?? "") would not see "
                + "what it generated and would pay for it again: run without --shard, or give the shards another output folder"
        case .shardingConflict(_, .shardJournals(let counts), let requested):
            "shards of \(counts.map(String.init).joined(separator: " and ")) keep journals here (shards/K-of-N); "
                + (requested.map { "shard \($0)" } ?? "a run without --shard")
                + " would not see what they generated and would pay for it again: run with --shard K/\(counts[0])"
                + (counts.count > 1 ? " (and finish or move the others)" : "")
        }
    }
}
