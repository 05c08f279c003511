import VicSee

/// How the simulated service behaves: its accounts, its speed, which of the published response variants
/// it speaks, and the faults it injects.
public struct SimulatorOptions: Sendable {
    /// A paying customer of the simulated service.
    public struct Account: Sendable {
        public enum Plan: String, Sendable, CaseIterable {
            case free, starter, pro, enterprise
            /// Requests a day (nil: unlimited), as published: Starter 100, Pro 500, Enterprise unlimited.
            var dailyLimit: Int? {
                switch self {
                case .free, .starter: 100
                case .pro: 500
                case .enterprise: nil
                }
            }
        }

        public var plan: Plan
        public var credits: Int

        public init(plan: Plan = .pro, credits: Int = 1000) {
            self.plan = plan
            self.credits = credits
        }
    }

    /// The shape of a successful submit's answer: the enveloped `{"success", "data": {"id", ...}}` or the
    /// GPT Image 2 page's flat `{"task_id", "status"}`.
    public enum SubmitShape: String, Sendable, CaseIterable {
        case envelope, flat
    }

    /// API keys and their accounts. The demo key is printed by `imagepipe simulate`.
    public var accounts: [String: Account] = [SimulatorOptions.demoKey: Account()]
    /// Seconds from submit to a finished task (the typical one, when `latencySpread` is set).
    public var latency: Double = 0.3
    /// Varies each task's duration: log-normally around `latency` with this standard deviation of its
    /// logarithm (0.25: most tasks within ±25 %), clamped to `latencyRange` when that is set. 0: every
    /// task takes `latency` (or, with `latencyRange`, a duration drawn evenly from that range).
    public var latencySpread: Double = 0
    /// The shortest and longest a task may take, in seconds (see `latencySpread`).
    public var latencyRange: ClosedRange<Double>?
    /// Multiplies every task's duration: 0.1 runs a benchmark of 20-90 s tasks in 2-9 s. Clients
    /// measuring requests against it scale their own fixed waits alike (`PollPolicy.scaled`).
    public var timeScale: Double = 1
    /// Seconds an upload URL from `POST /upload` stays valid (its `expiresAt`). The service publishes
    /// no figure: one hour is assumed.
    public var uploadLifetime: Double = 3600
    /// Fraction of tasks (0-1) that fail with GENERATION_FAILED and are refunded.
    public var failureRate: Double = 0
    public var submitShape: SubmitShape = .envelope
    /// The word for a finished task: `completed` or (as one page has it) `success`.
    public var successWord = "completed"
    /// Seconds a result URL stays valid.
    public var resultURLLifetime: Double = 3600
    /// Every download is cut short (an image missing its end), to exercise verification.
    public var truncateDownloads = false
    /// Outputs come out 10 % smaller than the catalogue says, to exercise verification.
    public var wrongSizeOutputs = false
    /// Outputs are silently downgraded, as users report of some hosts, to exercise verification.
    public var downgrade: Downgrade?
    /// Seeds the failure draws, so that a run with injected failures can be repeated.
    public var seed: UInt64 = 1
    /// Seconds a submit's answer is held back after its task was made (and charged): the window in which
    /// a client that dies or is interrupted cannot know the task's id.
    public var submitHold: Double = 0
    /// A folder where tasks, balances and outputs are kept, so that a simulator started again over it
    /// knows its tasks; nil keeps everything in memory.
    public var stateDirectory: String?

    /// A silent downgrade: the task is charged at the tier asked for, the image is smaller.
    public enum Downgrade: Sendable, Equatable, CustomStringConvertible {
        /// Requests above this tier get the catalogue's size of this tier (same ratio).
        case tier(ResolutionTier)
        /// Every request gets this size, whatever its tier or ratio (hosts that always return 1024×1024).
        case size(PixelSize)

        /// Parses `1K` (a tier) or `1024x1024` (a fixed size, each edge at most 8192).
        public init?(_ text: String) {
            if let tier = ResolutionTier(text) {
                self = .tier(tier)
                return
            }
            let edges = text.lowercased().split(whereSeparator: { $0 == "x" || $0 == "×" }).compactMap { Int($0) }
            guard edges.count == 2, edges.allSatisfy({ (1...8192).contains($0) }) else { return nil }
            self = .size(PixelSize(width: edges[0], height: edges[1]))
        }

        public var description: String {
            switch self {
            case .tier(let tier): tier.rawValue
            case .size(let size): "\(size.width)x\(size.height)"
            }
        }
    }

    /// The key of the account every simulator starts with.
    public static let demoKey = "sk-simulator-demo"

    public init() {}
}

/// Faults that can be switched on while the simulator runs: a burst affects the next N requests.
public enum SimulatorFault: Sendable {
    /// The next N API requests get 429 RATE_LIMITED (with a reset time a second away).
    case rateLimitBurst(Int)
    /// The next N API requests get 500.
    case serverErrorBurst(Int)
    /// The next N submits create (and charge) their task, then drop the connection before answering.
    case dropSubmits(Int)
    /// The next N reads (task status, credits) drop the connection before answering.
    case dropReads(Int)
    /// Result URLs made from now on expire at once.
    case expireResultURLs(Bool)
}

/// What the simulator has done, for tests to prove that nothing was charged twice.
public struct SimulatorCounters: Sendable, Equatable {
    /// Tasks created by a submit (each one reserved its credits).
    public var submits = 0
    /// Tasks that succeeded and kept their charge.
    public var charges = 0
    /// Tasks that failed and got their credits back.
    public var refunds = 0
    /// Credits kept for successful tasks.
    public var creditsCharged = 0
    /// API requests seen, and how many were turned away by a limit or an injected fault.
    public var requests = 0
    public var rejected = 0
    /// Submits per task key (model + prompt + references + options): more than 1 means a duplicate generation.
    public var submitsPerRequest: [String: Int] = [:]
    /// Upload URLs handed out by `POST /upload`, and uploads stored by a `PUT` to one.
    public var uploadsSigned = 0
    public var uploadsStored = 0
    /// Upscale tasks created (each one a submit too, counted in `submits`).
    public var upscales = 0
    /// Result files served to clients (not API requests: the service's file host).
    public var fileDownloads = 0
}
