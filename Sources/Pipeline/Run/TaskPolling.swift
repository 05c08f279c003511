import VicSee

extension RunContext {
    /// Polls a task to its end. One submitted in this run follows the schedule for its kind from its
    /// submit, and its duration is learnt; one an earlier run submitted is polled soon (it has likely
    /// finished) and then with the service's backoff. Counted in flight against the request limit. A run
    /// asked to stop starts no poll (`CancellationError`): the task id is on disk, the next run polls it.
    func poll(_ taskID: String, submittedAt: ContinuousClock.Instant?, kind: String, session: GenerationSession) async throws -> TaskStatus {
        guard control.stop == nil else { throw CancellationError() }
        requests.begin()
        defer { requests.end() }
        let policy = pollPolicy
        guard let submittedAt else {
            let schedule = PollSchedule.backoff(initial: policy.initial, factor: policy.factor, maximum: policy.maximum)
            return try await session.client.waitForCompletion(taskID, schedule: schedule).status
        }
        let polled = try await session.client.waitForCompletion(taskID, planning: { policy.schedule(history: durations.history(kind)) },
                                                                since: submittedAt)
        durations.record(polled.observedDuration, kind: kind)
        return polled.status
    }
}
