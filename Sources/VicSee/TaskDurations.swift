import Synchronization

/// How long tasks of each kind took (a model and tier, or an upscale tier), most recent last, for
/// `PollPolicy.adaptive`. Shared by every task of a run; a pipeline's journal keeps it between runs.
public final class TaskDurations: Sendable {
    private let samples: Mutex<[String: [Double]]>

    public init(_ known: [String: [Double]] = [:]) {
        samples = Mutex(known)
    }

    /// The kind of a generation: its model and tier.
    public static func generation(model: String, tier: ResolutionTier) -> String { "generate \(model) \(tier.rawValue)" }

    /// The kind of an upscale: its credit tier, which follows its output size.
    public static func upscale(credits: Int) -> String { "upscale \(credits) credits" }

    public func history(_ kind: String) -> [Double] { samples.withLock { $0[kind] ?? [] } }

    /// Adds a duration, keeping the most recent `PollPolicy.historyLength`.
    public func record(_ seconds: Double, kind: String) {
        samples.withLock { all in
            var list = all[kind] ?? []
            list.append(seconds)
            if list.count > PollPolicy.historyLength { list.removeFirst(list.count - PollPolicy.historyLength) }
            all[kind] = list
        }
    }

    /// Every kind with its durations.
    public var all: [String: [Double]] { samples.withLock { $0 } }
}
