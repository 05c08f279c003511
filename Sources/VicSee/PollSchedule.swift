import Foundation

/// When to ask the service whether a task is done. Every poll is a request against the daily limit
/// (Starter: 100 a day), so a poll that finds the task still running is wasted; a poll long after it
/// finished wastes time instead. A schedule is a list of planned poll times (seconds after the submit)
/// and, once they are spent, a tail of backoff; `PollPolicy` makes one from the durations seen before.
public struct PollSchedule: Sendable, Equatable {
    /// Planned poll times, in seconds after the submit, increasing.
    public var times: [Double]
    /// After the planned times: the wait before each further poll is `tailFraction` of the time elapsed,
    /// between `tailMinimum` and `tailMaximum` seconds.
    public var tailFraction: Double
    public var tailMinimum: Double
    public var tailMaximum: Double

    public init(times: [Double], tailFraction: Double, tailMinimum: Double, tailMaximum: Double) {
        self.times = times
        self.tailFraction = tailFraction
        self.tailMinimum = tailMinimum
        self.tailMaximum = tailMaximum
    }

    /// The service's recommendation (start at `initial`, multiply by `factor`, cap at `maximum`), as a
    /// schedule: its planned times reach `maximum`, then it polls every `maximum` seconds.
    public static func backoff(initial: Double, factor: Double, maximum: Double) -> PollSchedule {
        var times: [Double] = []
        var delay = initial
        var elapsed = 0.0
        while delay < maximum, times.count < 64 {
            elapsed += delay
            times.append(elapsed)
            delay *= factor
        }
        return PollSchedule(times: times, tailFraction: 0, tailMinimum: maximum, tailMaximum: maximum)
    }

    /// The time of the next poll, in seconds after the submit, when the last was at `elapsed`: the next
    /// planned time, or after them the tail's wait. (By time, not by count, so a schedule planned again
    /// while a task runs — other tasks of its kind having finished meanwhile — goes on from where it is.)
    public func nextPoll(after elapsed: Double) -> Double {
        if let planned = times.first(where: { $0 > elapsed }) { return planned }
        return elapsed + min(tailMaximum, max(tailMinimum, tailFraction * elapsed))
    }
}

/// How schedules are made. `recommended` is the service's published advice (1 s × 1.5 up to 10 s), which
/// costs about ten polls for a one-minute task. `adaptive` plans the polls from the durations seen for
/// the same model and tier: it picks the poll times that minimise the expected polls plus the expected
/// wait after the task finished, where one request saved is worth `requestWorth` of the typical duration
/// in waiting (0.1: a poll is worth 6 s on a one-minute task). With no durations seen yet it polls first
/// at `blindFirst` seconds and then backs off.
public struct PollPolicy: Sendable, Equatable {
    public enum Mode: String, Sendable, CaseIterable {
        case adaptive, recommended
    }

    public var mode: Mode
    /// The service's recommendation: first wait, growth, longest wait.
    public var initial = 1.0
    public var factor = 1.5
    public var maximum = 10.0
    /// Adaptive, for a kind of task never seen: the first poll (20 s, the short end of the 20-90 s a
    /// generation takes; an assumption, the service publishes no durations), then waits from half of it
    /// growing by `blindFactor` up to `blindMaximum`. Nil: the service's recommendation until a duration
    /// is seen (for a service on this machine, a simulator whose durations are anyone's guess).
    public var blindFirst: Double? = 20
    public var blindFactor = 1.4
    public var blindMaximum = 15.0
    /// Adaptive: what a request saved is worth in waiting, as a fraction of the typical duration.
    public var requestWorth = 0.1
    /// Adaptive: after the planned polls, wait this fraction of the elapsed time, at most `maximum`.
    public var tailFraction = 0.15

    public init(mode: Mode = .adaptive, blindFirst: Double? = 20) {
        self.mode = mode
        self.blindFirst = blindFirst
    }

    /// The policy with every fixed wait multiplied by `scale`: for a simulator whose tasks run `scale`
    /// times as long as the real service's (a benchmark at a tenth of the time uses 0.1).
    public func scaled(by scale: Double) -> PollPolicy {
        var scaled = self
        scaled.initial *= scale
        scaled.maximum *= scale
        scaled.blindFirst = blindFirst.map { $0 * scale }
        scaled.blindMaximum *= scale
        return scaled
    }

    /// The schedule for a task whose kind took `history` seconds before (most recent last).
    public func schedule(history: [Double]) -> PollSchedule {
        switch mode {
        case .recommended:
            return .backoff(initial: initial, factor: factor, maximum: maximum)
        case .adaptive:
            let tail = (tailFraction, initial, maximum)
            guard !history.isEmpty else {
                guard let blindFirst else { return .backoff(initial: initial, factor: factor, maximum: maximum) }
                // First at `blindFirst`, then waits from half of it growing to `blindMaximum`.
                var times = [blindFirst]
                var delay = blindFirst / 2
                for _ in 0..<12 {
                    delay = min(delay * blindFactor, blindMaximum)
                    times.append(times.last! + delay)
                }
                return PollSchedule(times: times, tailFraction: tail.0, tailMinimum: tail.1, tailMaximum: tail.2)
            }
            let spread = DurationSpread(history.suffix(Self.historyLength))
            let times = spread.bestPolls(requestWorth: requestWorth * spread.mean)
            return PollSchedule(times: times, tailFraction: tail.0, tailMinimum: tail.1, tailMaximum: tail.2)
        }
    }

    /// How many polls a task is expected to take with the schedule for `history`: from the durations
    /// seen, or, with none, for a task of `blindDuration` seconds.
    public func expectedPolls(history: [Double], blindDuration: Double = 55) -> Double {
        let schedule = schedule(history: history)
        guard !history.isEmpty else { return Double(schedule.polls(untilDone: blindDuration)) }
        let spread = DurationSpread(history.suffix(Self.historyLength))
        return spread.points.reduce(0) { $0 + Double(schedule.polls(untilDone: $1)) } / Double(spread.points.count)
    }

    /// How many past durations of a kind the schedule is made from.
    public static let historyLength = 40

    /// The duration to record for a task that was still running at the poll at `before` seconds (0:
    /// none) and done at the poll at `after`: the middle of the two, or, when the first poll found it
    /// done, three quarters of that poll's time (it may have finished long before, and a guess on the
    /// early side makes the next schedule look earlier, so the estimate corrects itself).
    public static func observedDuration(before: Double, after: Double) -> Double {
        before > 0 ? (before + after) / 2 : after * 0.75
    }
}

extension PollSchedule {
    /// How many polls it takes to see a task that finishes after `duration` seconds.
    func polls(untilDone duration: Double) -> Int {
        var count = 0
        var elapsed = 0.0
        while elapsed < duration, count < 10_000 {
            elapsed = nextPoll(after: elapsed)
            count += 1
        }
        return count
    }
}

/// The durations of one kind of task as a smoothed distribution: each duration seen spreads over five
/// points around it in log time (a kernel whose width shrinks as more are seen), so that a handful of
/// durations does not make a schedule that only catches exactly those.
struct DurationSpread {
    /// The points, sorted, each as likely as the others.
    let points: [Double]
    let mean: Double

    init(_ durations: some Collection<Double>) {
        let width = 0.3 / pow(Double(max(durations.count, 1)), 0.2)
        points = durations.flatMap { duration in [-1.5, -0.75, 0, 0.75, 1.5].map { duration * exp($0 * width) } }.sorted()
        mean = durations.reduce(0, +) / Double(max(durations.count, 1))
    }

    /// The poll times (among the points) minimising expected polls × `requestWorth` + expected seconds
    /// between a task's end and the poll that sees it; the last is the latest point. Dynamic
    /// programming over the points: `cost[j]` is the best for the points after the first `j`, given a
    /// poll that saw those `j` done.
    func bestPolls(requestWorth: Double) -> [Double] {
        let count = points.count
        guard count > 0 else { return [] }
        let weight = 1 / Double(count)
        var prefix = [0.0]
        for point in points { prefix.append(prefix.last! + point) }
        var cost = [Double](repeating: 0, count: count + 1)
        var next = [Int](repeating: count, count: count + 1)
        for start in stride(from: count - 1, through: 0, by: -1) {
            var best = Double.infinity
            let pollCost = requestWorth * Double(count - start) * weight
            for end in (start + 1)...count {
                let time = points[end - 1]
                let waiting = (time * Double(end - start) - (prefix[end] - prefix[start])) * weight
                let total = pollCost + waiting + cost[end]
                if total < best {
                    best = total
                    next[start] = end
                }
            }
            cost[start] = best
        }
        var times: [Double] = []
        var index = 0
        while index < count {
            index = next[index]
            times.append(points[index - 1])
        }
        return times
    }
}
