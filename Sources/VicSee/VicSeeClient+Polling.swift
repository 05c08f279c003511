import Foundation

/// A task seen to its end by `waitForCompletion(_:schedule:)`: its last status, how many polls that took,
/// and when the last two polls were made (seconds after the wait began), between which it finished.
public struct PolledTask: Sendable {
    public var status: TaskStatus
    public var polls: Int
    /// The poll before the one that saw it done (0 when the first poll did).
    public var lastRunning: Double
    public var seenDone: Double

    /// The duration to learn from: see `PollPolicy.observedDuration`.
    public var observedDuration: Double { PollPolicy.observedDuration(before: lastRunning, after: seenDone) }
}

extension VicSeeClient {
    /// Polls the task at the times `schedule` gives (counted from `start`, the submit), until it
    /// completes (returned) or fails (thrown), giving up after `configuration.pollTimeout` seconds.
    public func waitForCompletion(_ id: String, schedule: PollSchedule, since start: ContinuousClock.Instant = .now,
                                  onUpdate: @Sendable (TaskStatus) -> Void = { _ in }) async throws -> PolledTask {
        try await waitForCompletion(id, planning: { schedule }, since: start, onUpdate: onUpdate)
    }

    /// As `waitForCompletion(_:schedule:)`, asking `planning` for the schedule before each poll, so that a
    /// task in flight uses what other tasks of its kind taught meanwhile.
    public func waitForCompletion(_ id: String, planning: () -> PollSchedule, since start: ContinuousClock.Instant = .now,
                                  onUpdate: @Sendable (TaskStatus) -> Void = { _ in }) async throws -> PolledTask {
        var polls = 0
        var lastRunning = 0.0
        var lastPoll = 0.0
        while true {
            let elapsed = (ContinuousClock.now - start).seconds
            let next = planning().nextPoll(after: lastPoll)
            if next > configuration.pollTimeout { throw ServiceError.timedOut(id: id, seconds: configuration.pollTimeout) }
            if next > elapsed { try await Task.sleep(for: .seconds(next - elapsed)) }
            let status = try await task(id)
            polls += 1
            onUpdate(status)
            let now = (ContinuousClock.now - start).seconds
            lastPoll = max(now, next)
            switch status.state {
            case .completed:
                guard status.resultURL != nil else { throw ServiceError.noResult(id: id) }
                return PolledTask(status: status, polls: polls, lastRunning: lastRunning, seenDone: now)
            case .failed:
                throw ServiceError.taskFailed(id: id, code: status.errorCode ?? "GENERATION_FAILED", message: status.errorMessage ?? "no reason given")
            default:
                lastRunning = now
            }
        }
    }
}
