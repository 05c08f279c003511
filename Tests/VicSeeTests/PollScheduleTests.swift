import Foundation
import Simulator
import Testing
@testable import VicSee

/// Adaptive polling: the schedule made from durations seen, and what it costs against the simulator.
@Suite struct PollScheduleTests {
    @Test func theRecommendationIsTheServicesBackoff() {
        let schedule = PollPolicy(mode: .recommended).schedule(history: [50, 60])
        #expect(schedule.times.prefix(3) == [1, 2.5, 4.75])
        #expect(schedule.nextPoll(after: 100) == 110)
        // About ten polls for a one-minute task.
        #expect((9...11).contains(schedule.polls(untilDone: 60)))
    }

    @Test func withNothingSeenTheFirstPollIsAtTwentySeconds() {
        let schedule = PollPolicy().schedule(history: [])
        #expect(schedule.times.first == 20)
        #expect(schedule.polls(untilDone: 55) <= 5)
        #expect(PollPolicy().scaled(by: 0.1).schedule(history: []).times.first == 2)
        // For a service on this machine (a simulator), the service's recommendation until a task is seen.
        #expect(PollPolicy(blindFirst: nil).schedule(history: []).times.first == 1)
    }

    /// A schedule planned again while a task runs goes on from the last poll's time.
    @Test func aScheduleGoesOnByTime() {
        let schedule = PollSchedule(times: [10, 20, 30], tailFraction: 0.1, tailMinimum: 1, tailMaximum: 5)
        #expect(schedule.nextPoll(after: 0) == 10)
        #expect(schedule.nextPoll(after: 12) == 20)
        #expect(schedule.nextPoll(after: 30) == 33)
        #expect(schedule.nextPoll(after: 100) == 105)
    }

    @Test func durationsSeenPlanTheFirstPollNearTheFinish() {
        // Durations around 50 s (±20 %): a first poll well after 30 s, about two polls a task, and no
        // poll more than a few seconds after the slowest finish seen.
        let history = (0..<30).map { 50 * exp(0.2 * sin(Double($0) * 1.7)) }
        let policy = PollPolicy()
        let schedule = policy.schedule(history: history)
        #expect(schedule.times[0] > 35)
        #expect(policy.expectedPolls(history: history) < 2.5)
        #expect(schedule.times.last! < history.max()! * 1.5)
        // Costing polls more moves toward one late poll; costing them less, toward many.
        var cheap = policy
        cheap.requestWorth = 0.01
        #expect(cheap.expectedPolls(history: history) > policy.expectedPolls(history: history))
    }

    @Test func theDurationLearntLiesBetweenTheLastTwoPolls() {
        #expect(PollPolicy.observedDuration(before: 40, after: 50) == 45)
        #expect(PollPolicy.observedDuration(before: 0, after: 40) == 30)
    }

    /// Against the simulator: a schedule whose first poll comes after the task finished costs the submit
    /// and one poll. (The finish is awaited through the simulator's own counters, which are no request,
    /// so a busy machine cannot make the poll early.)
    @Test func aTaskPolledOnScheduleCostsOnePoll() async throws {
        try await Harness.run(configure: { $0.latency = 0.2 }) { server, client in
            let receipt = try await client.submit(Harness.textRequest, spec: Harness.catalogue.model("gpt-image-2-text-to-image")!)
            let start = ContinuousClock.now
            while await server.counters().charges == 0 { try await Task.sleep(for: .milliseconds(20)) }
            let schedule = PollSchedule(times: [(ContinuousClock.now - start).seconds + 0.05], tailFraction: 0.15, tailMinimum: 0.05, tailMaximum: 0.2)
            let polled = try await client.waitForCompletion(receipt.taskID, schedule: schedule, since: start)
            #expect(polled.status.state == .completed && polled.polls == 1 && polled.lastRunning == 0)
            #expect(await server.counters().requests == 2)
        }
    }
}
