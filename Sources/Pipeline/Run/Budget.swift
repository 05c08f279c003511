import Synchronization

/// The credits this run may still commit, against `--max-credits`. A submit reserves its cost before it
/// is sent; a submit that never left or was refused gives it back, and so does a task the service
/// failed and refunded. A submit of unknown outcome keeps it: the service may have charged it.
final class Budget: Sendable {
    private let state: Mutex<(committed: Int, limit: Int?)>

    init(limit: Int?) {
        state = Mutex((0, limit))
    }

    /// Credits committed by this run, net of refunds.
    var committed: Int { state.withLock { $0.committed } }

    /// Reserves `cost`; false when that would pass the limit.
    func reserve(_ cost: Int) -> Bool {
        state.withLock { state in
            if let limit = state.limit, state.committed + cost > limit { return false }
            state.committed += cost
            return true
        }
    }

    /// Gives back a reservation: the submit was not sent or was refused, or its task was refunded.
    func release(_ cost: Int) {
        state.withLock { $0.committed -= cost }
    }
}
