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
        case notSent
        /// The submit's outcome is unknown: it may exist and be charged.
        case unknownOutcome
        /// The service's task failed; its credits were refunded.
        case taskFailed
        /// The service has no such task.
        case taskLost
        /// The task did not finish in time; the next run polls it again.
        case timedOut
        /// The output could not be downloaded or saved.
        case download
        /// Not submitted: `--max-credits` would have been exceeded.
        case budget
        /// The run was interrupted before the item finished; the next run resumes it.
        case interrupted
        /// The output is not a whole image (truncated, damaged).
        case damaged
        /// The output's name said another format; it was renamed (reported, not a failure).
        case renamed
        /// The output's size is not the size paid for.
        case size
        /// The output is a single colour, as safety filters return.
        case blank
        /// The output on disk was deleted or changed since it was saved.
        case outputChanged
        /// The thumbnail could not be made.
        case thumbnail
        /// The journal could not record the item.
        case journal
    }

    public var kind: Kind
    public var subject: String
    public var reason: String

    public init(_ kind: Kind, subject: String, reason: String) {
        self.kind = kind
        self.subject = subject
        self.reason = reason
    }

    /// Whether the problem leaves the item usable (a rename is reported, not failed).
    public var isNotice: Bool { kind == .renamed }

    public var description: String { subject.isEmpty ? reason : "\(subject): \(reason)" }
}
