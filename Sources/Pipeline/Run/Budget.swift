import Synchronization

/// The credits this run may still commit, against `--max-credits`. A submit reserves its cost before it
/// is prepared and sent; a reservation that is not sent (a publish or a rule failed first, the service
/// refused it) is given back, one that is sent is committed — an unknown outcome included, since the
/// service may have charged it — and a task the service failed and refunded gives its credits back.
///
/// While other reservations are still undecided, a reservation that does not fit waits for them rather
/// than being refused: an item is left out for the budget only when the credits already committed leave
/// no room for it.
final class Budget: Sendable {
    private struct State {
        var committed = 0
        var reserved = 0
        var limit: Int?
    }

    private let state: Mutex<State>

    init(limit: Int?) {
        state = Mutex(State(limit: limit))
    }

    /// Credits committed by this run, net of refunds.
    var committed: Int { state.withLock { $0.committed } }

    /// Reserves `cost`; false when the credits committed leave no room for it.
    func reserve(_ cost: Int) async -> Bool {
        while true {
            enum Answer { case yes, no, wait }
            let answer = state.withLock { state -> Answer in
                guard let limit = state.limit, state.committed + state.reserved + cost > limit else {
                    state.reserved += cost
                    return .yes
                }
                return state.reserved > 0 && state.committed + cost <= limit ? .wait : .no
            }
            switch answer {
            case .yes: return true
            case .no: return false
            case .wait: try? await Task.sleep(for: .milliseconds(10))
            }
        }
    }

    /// The reserved credits were sent: they count as spent.
    func commit(_ cost: Int) {
        state.withLock { state in
            state.reserved -= cost
            state.committed += cost
        }
    }

    /// A reservation that was not sent, or was refused.
    func release(_ cost: Int) {
        state.withLock { $0.reserved -= cost }
    }

    /// A committed task the service failed and refunded.
    func refund(_ cost: Int) {
        state.withLock { $0.committed -= cost }
    }
}
