/// Why an item is not done, as the journal stores it and `report.json` prints it: a kind from a fixed,
/// documented set (decisions read the kind, never the words), the subject (a file, a task, the
/// service) and the reason.
public struct ItemProblem: Codable, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// The reference cannot be read, or is not a JPEG, PNG or WebP by content.
        case unreadable
        /// The reference's format is not one `check formats` accepts.
        case format
        /// The reference is over a byte or pixel limit.
        case oversize
        /// The reference could not be prepared (shrunk, cropped, padded) or published.
        case reference
        /// The request breaks a rule of the model, or the service refused it (400, 401, 402, 403).
        case refused
        /// The submit never left (connection refused, DNS, TLS): nothing can have been charged.
        case notSent = "not-sent"
        /// The submit's outcome is unknown: it may exist and be charged.
        case unknownOutcome = "unknown-outcome"
        /// The service's task failed; its credits were refunded.
        case taskFailed = "task-failed"
        /// The service has no such task.
        case taskLost = "task-lost"
        /// The task did not finish in time; the next run polls it again.
        case timedOut = "timed-out"
        /// The output could not be downloaded or saved.
        case download
        /// Not submitted: `--max-credits` would have been exceeded.
        case budget
        /// Not submitted: today's requests would not cover collecting it (`X-RateLimit-Remaining`).
        case requests
        /// The reference's width ÷ height is outside what the service accepts.
        case ratio
        /// The upscale could not be made (a target out of reach, above the largest output).
        case upscale
        /// The output on disk was deleted or changed since it was saved.
        case outputChanged = "output-changed"
        /// The thumbnail could not be made.
        case thumbnail
        /// The `fit` copy could not be made: the item is rejected until it is.
        case fit
        /// A required rule of a `verify preset` preset fails: the item is rejected.
        case preset
        // The verdicts of `verify`, with `VerifyProblem`'s kind words (see "Output sizes" in the README).
        case undecodable
        case renamed
        case wrongSize = "wrong-size"
        case downgraded
        case wrongRatio = "wrong-ratio"
        case sizeChanged = "size-changed"
        case sizeUnverified = "size-unverified"
        case blank
        case notRecorded = "not-recorded"
        case upscaleSize = "upscale-size"
    }

    public var kind: Kind
    public var subject: String
    public var reason: String
    /// A verdict of `verify`, with its values (the tier paid for and the one received, …).
    public var verdict: VerifyProblem?

    public init(_ kind: Kind, subject: String, reason: String) {
        self.kind = kind
        self.subject = subject
        self.reason = reason
    }

    /// A verdict of `verify` about `path`; nil for a finding the report shows otherwise (simulated).
    public init?(_ verdict: VerifyProblem, path: String) {
        guard let kind = Kind(rawValue: verdict.kind) else { return nil }
        self.init(kind, subject: path, reason: verdict.description)
        self.verdict = verdict
    }

    /// Whether the problem leaves the item usable (a notice: renamed, a size changed or unverified).
    public var isNotice: Bool { verdict.map { !$0.fails } ?? false }

    public var description: String { subject.isEmpty ? reason : "\(subject): \(reason)" }
}
