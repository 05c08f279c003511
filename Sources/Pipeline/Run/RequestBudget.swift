import Synchronization
import VicSee

/// The daily request limit, as the service's answers state it (`X-RateLimit-Remaining`): a task costs
/// requests after its submit (its polls), so a run does not submit a task whose polls cannot fit in
/// what remains today after the tasks already in flight; those tasks would be paid for and left to
/// collect tomorrow. Unknown or unlimited remaining counts never hold a submit back.
final class RequestBudget: Sendable {
    private let inFlight = Mutex(0)

    /// Why a submit needing `perTask` requests (the submit, its expected polls, a spare for a fresh
    /// download URL) is held back when `limit` was the latest answer's; nil when it may go.
    func refusal(perTask: Double, limit: RateLimit?) -> ItemProblem? {
        guard let remaining = limit?.remaining else { return nil }
        let others = inFlight.withLock { $0 }
        let needed = Int((perTask * Double(others + 1)).rounded(.up))
        guard remaining < needed else { return nil }
        let of = limit?.limit.map { " of \($0)" } ?? ""
        let resets = limit?.reset.map { " (the count resets at \($0))" } ?? ""
        return ItemProblem(.requests, subject: "requests", reason: "not submitted: \(remaining)\(of) requests remain today\(resets), "
            + "and this task with the \(others) in flight needs about \(needed) (submits and polls); the next run sends it")
    }

    func begin() { inFlight.withLock { $0 += 1 } }
    func end() { inFlight.withLock { $0 -= 1 } }
}
