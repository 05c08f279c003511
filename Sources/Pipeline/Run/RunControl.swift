import Synchronization

/// Why a run stops before its items are all worked through.
public enum RunStop: Sendable, Equatable {
    /// Ctrl-C or SIGTERM: submits in flight settle (bounded), then the run ends; run again to resume.
    case interrupted
    /// A task id could not be made durable: no further submit is sent, and the ids are printed.
    case journalFailed
}

/// What every item's work consults before it spends: whether the run is stopping, and how many submits
/// are between their intent and their answer (an interrupt waits for those, so their task ids reach the
/// journal).
final class RunControl: Sendable {
    private struct State {
        var stop: RunStop?
        var submitsInFlight = 0
        var unjournaled: [(item: String, taskID: String)] = []
    }

    private let state = Mutex(State())

    var stop: RunStop? { state.withLock { $0.stop } }

    func requestStop(_ reason: RunStop) {
        state.withLock { state in
            if state.stop == nil || reason == .journalFailed { state.stop = reason }
        }
    }

    /// Counts a submit about to be sent; false (and nothing counted) when the run is stopping.
    func beginSubmit() -> Bool {
        state.withLock { state in
            guard state.stop == nil else { return false }
            state.submitsInFlight += 1
            return true
        }
    }

    func endSubmit() {
        state.withLock { $0.submitsInFlight -= 1 }
    }

    /// Notes a task the service made whose id the journal could not keep, and stops all submitting.
    func unjournaled(item: String, taskID: String) {
        state.withLock { state in
            state.unjournaled.append((item, taskID))
            state.stop = .journalFailed
        }
    }

    var unjournaledTasks: [(item: String, taskID: String)] { state.withLock { $0.unjournaled } }

    /// Waits until no submit is in flight, or `seconds` have passed.
    func settle(within seconds: Double) async {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while state.withLock({ $0.submitsInFlight }) > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
