import Foundation
import VicSee

/// The requests a run would make against the service's daily limit (Starter: 100 a day), as `plan`
/// counts them with no network: an upload per reference not validly uploaded already, a submit per
/// task, the polls adaptive polling expects from the durations this output folder has seen, and a
/// download URL per generation to upscale; beside the limit the service last stated, and when.
public struct RequestEstimate: Sendable {
    public var uploads = 0
    public var submits = 0
    public var polls = 0.0
    public var downloadURLs = 0
    /// True when every poll count comes from durations seen; false when some kind of task has none yet
    /// (then it is counted for a 55 s task with the blind schedule).
    public var fromHistory = true
    /// The latest limit a service stated to a run in this output folder.
    public var lastKnown: RequestLimitRecord?

    private let uploadsReferences: Bool
    private let durations: [String: [Double]]
    private let journal: Journal?
    private let policy = PollPolicy()

    init(spec: PipelineSpec, journal: Journal?) {
        // The real service's default is upload; the simulator's limits do not matter.
        uploadsReferences = spec.input != nil && spec.publishWay(serviceOnThisMachine: false) == .upload
        durations = journal?.durations ?? [:]
        lastKnown = journal?.requestLimits.max { $0.seenAt < $1.seenAt }
        self.journal = journal
    }

    public var total: Int { uploads + submits + Int(polls.rounded(.up)) + downloadURLs }

    /// What remained of today's requests by the last answer seen: its remaining count, or the whole
    /// limit when its reset time has passed since; nil when unknown or unlimited.
    public func remainingToday(now: Date = Date()) -> Int? {
        guard let last = lastKnown, let remaining = last.remaining else { return nil }
        if let reset = last.reset.flatMap(VicSeeClient.parseDate), reset <= now { return last.limit ?? remaining }
        return remaining
    }

    mutating func addGeneration(of item: ItemContext, content: String?, model: ModelSpec?) {
        submits += 1
        if uploadsReferences && !hasValidUpload(item, content: content) { uploads += 1 }
        guard let model, let tier = item.record.tier.flatMap({ ResolutionTier($0) }) else { return }
        addPolls(kind: TaskDurations.generation(model: model.id, tier: tier))
    }

    /// Whether the reference as it is (no derived copy) has an upload still valid for reuse.
    private func hasValidUpload(_ item: ItemContext, content: String?) -> Bool {
        guard item.transforms.isEmpty, let content,
            let upload = journal?.upload(content: content, service: lastKnown?.service ?? VicSeeConfiguration.defaultBaseURL),
            let expiry = upload.expiresAt.flatMap(VicSeeClient.parseDate)
        else { return false }
        return expiry.timeIntervalSinceNow > ReferencePublisher.reuseMargin
    }

    mutating func addUpscale(_ decision: UpscaleDecision, fromTask: Bool) {
        submits += 1
        if fromTask { downloadURLs += 1 } else if uploadsReferences { uploads += 1 }
        addPolls(kind: TaskDurations.upscale(credits: decision.credits))
    }

    private mutating func addPolls(kind: String) {
        let history = durations[kind] ?? []
        if history.isEmpty { fromHistory = false }
        polls += policy.expectedPolls(history: history)
    }
}
