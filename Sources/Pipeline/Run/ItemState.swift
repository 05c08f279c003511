/// Where an item stands, as the journal records it and `report.json` prints it. The words are a fixed,
/// documented set; every change of state goes through `canMove(to:)`, so the journal never holds a
/// history the table does not allow.
public enum ItemState: String, Codable, Sendable, CaseIterable {
    /// Known, nothing sent yet.
    case pending
    /// A submit is being sent: if the run dies now, whether a task exists is unknown.
    case submitting
    /// A submit whose outcome is unknown (interrupted or its answer lost): it may exist and be charged,
    /// so it is only sent again when the user asks (`--resubmit-unknown`).
    case unknown
    /// The service has the task; its id is on disk.
    case submitted
    /// The service says it has no such task: reported with the way out (`--resubmit-lost`).
    case lost
    /// The output is on disk with its checksum; verification comes next.
    case downloaded
    /// The output passed verification (or there was none to do); thumbnails are made.
    case done
    /// The output was paid for but failed verification (wrong size, blank, damaged).
    case rejected
    /// The item could not go on this time (a refused request, a failed task, a bad reference); the next
    /// run tries it again.
    case failed
    /// Passed over by policy (`check oversize skip`).
    case skipped
    /// Not submitted: `--max-credits`, or today's request limit, would have been exceeded. The next run
    /// may send it.
    case budget

    /// States in which nothing has been sent for the item's current key: a run may submit it.
    public var isUnsent: Bool { [.pending, .failed, .skipped, .budget].contains(self) }

    /// States whose output file is on disk.
    public var hasOutput: Bool { [.downloaded, .done, .rejected].contains(self) }

    /// What the state means, for the README and `--help`.
    public var meaning: String {
        switch self {
        case .pending: "known, nothing sent yet"
        case .submitting: "a submit is on its way; if the run dies now its outcome is unknown"
        case .unknown: "a submit whose outcome is unknown; it may be charged, so it is sent again only with --resubmit-unknown"
        case .submitted: "the service has the task; its id is on disk"
        case .lost: "the service has no such task; --resubmit-lost sends it again"
        case .downloaded: "the output is on disk, not yet verified"
        case .done: "the output passed verification (or there was none to do)"
        case .rejected: "the output was paid for but failed verification"
        case .failed: "could not go on this time; the next run tries again"
        case .skipped: "passed over by policy (check oversize skip)"
        case .budget: "not sent: --max-credits, or today's request limit, would have been exceeded"
        }
    }

    /// The allowed moves, in one place.
    static let moves: [ItemState: Set<ItemState>] = [
        .pending: [.submitting, .failed, .skipped, .budget, .done, .rejected],
        .failed: [.submitting, .failed, .skipped, .budget, .done, .rejected, .pending],
        .skipped: [.submitting, .failed, .skipped, .budget, .done, .rejected, .pending],
        .budget: [.submitting, .failed, .skipped, .budget, .done, .rejected, .pending],
        .submitting: [.submitted, .unknown, .failed],
        .unknown: [.submitting, .submitted, .unknown],
        .lost: [.submitting, .submitted, .lost],
        .submitted: [.submitted, .downloaded, .failed, .lost],
        .downloaded: [.done, .rejected, .submitted, .lost],
        .done: [.done, .rejected, .submitted, .lost],
        .rejected: [.done, .rejected, .submitted, .lost],
    ]

    public func canMove(to next: ItemState) -> Bool { Self.moves[self]?.contains(next) ?? false }
}
