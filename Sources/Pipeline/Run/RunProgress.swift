import Synchronization

/// How far a run has come, for a status line: each event carries a copy taken when it was sent.
public struct RunProgress: Sendable, Equatable {
    /// The run's items.
    public var total = 0
    /// Items whose way through the stages has ended in this run, whatever their state.
    public var finished = 0
    /// Of those, the items that did not end done.
    public var failed = 0
    /// Items started and not yet finished.
    public var inFlight = 0
    /// Credits this run committed so far, net of refunds.
    public var credits = 0

    public init() {}
}

/// Counts items as the executor starts and finishes them; the credits come from the run's budget.
final class ProgressCounter: Sendable {
    private struct State {
        var progress = RunProgress()
        var budget: Budget?
    }

    private let state = Mutex(State())

    /// A new run of `total` items, spending against `budget`.
    func begin(total: Int, budget: Budget) {
        state.withLock { $0 = State(progress: { var progress = RunProgress(); progress.total = total; return progress }(), budget: budget) }
    }

    func started() { state.withLock { $0.progress.inFlight += 1 } }

    /// An item's way through the stages ended in `state`.
    func finished(in itemState: ItemState) {
        state.withLock { state in
            state.progress.inFlight -= 1
            state.progress.finished += 1
            if itemState != .done { state.progress.failed += 1 }
        }
    }

    var snapshot: RunProgress {
        state.withLock { state in
            var progress = state.progress
            progress.credits = state.budget?.committed ?? 0
            return progress
        }
    }
}
