import Foundation
import ImageCore
import VicSee

/// The simulated service's memory: accounts, tasks, result files, counters and pending faults. An actor,
/// so that concurrent requests see one consistent ledger.
actor SimulatorState {
    struct TaskRecord {
        var id: String
        var owner: String
        var model: String
        var prompt: String
        var cost: Int
        var status: String
        var resultToken: String?
        var errorCode: String?
        var errorKey: String?
        var errorMessage: String?
        var createdAt: Date
    }

    /// A result URL's token: which task's output it serves, until when.
    struct StoredFile {
        var task: String
        var expires: Date
    }

    /// What a task was asked to make, kept so that a simulator started again over the same store can
    /// finish the tasks it had not finished.
    struct Request: Sendable {
        var model: String
        var prompt: String
        var tier: String
        var aspect: String
        var urls: [String]
        /// Set for an upscale (`POST /tools/upscale-image`): the factor; `urls` holds the image.
        var upscaleFactor: Int?
    }

    var options: SimulatorOptions
    let catalogue: ModelCatalogue
    var accounts: [String: SimulatorOptions.Account]
    var tasks: [String: TaskRecord] = [:]
    var files: [String: StoredFile] = [:]
    /// Outputs in memory, for a simulator without a store.
    var outputs: [String: [UInt8]] = [:]
    var requests: [String: Request] = [:]
    /// Upload URLs handed out, by token, and what was uploaded, by key (see SimulatorState+Upload.swift).
    var uploadTickets: [String: SignedUpload] = [:]
    var uploaded: [String: StoredUpload] = [:]
    /// Where tasks, balances and outputs are kept across restarts; nil: in memory only.
    let store: SimulatorStore?
    var counters = SimulatorCounters()
    var requestsToday: [String: Int] = [:]
    var faults = (rateLimit: 0, serverError: 0, dropSubmits: 0, dropReads: 0, expireURLs: false)
    var random: UInt64
    var nextTask = 1

    init(options: SimulatorOptions, catalogue: ModelCatalogue) async throws {
        self.options = options
        self.catalogue = catalogue
        self.accounts = options.accounts
        self.random = options.seed
        store = try options.stateDirectory.map { try SimulatorStore(directory: $0) }
        if let store { replay(store.events()) }
    }

    /// Rebuilds tasks, balances and counters from the store's log.
    private func replay(_ events: [SimulatorStore.Event]) {
        for event in events {
            switch event.kind {
            case .created:
                guard let owner = event.owner, let model = event.model, let prompt = event.prompt, let cost = event.cost else { continue }
                accounts[owner]?.credits -= cost
                tasks[event.id] = TaskRecord(id: event.id, owner: owner, model: model, prompt: prompt, cost: cost, status: "pending",
                                             createdAt: Date(timeIntervalSince1970: event.createdAt ?? 0))
                requests[event.id] = Request(model: model, prompt: prompt, tier: event.tier ?? "1K", aspect: event.aspect ?? "auto",
                                             urls: event.urls ?? [], upscaleFactor: event.upscaleFactor)
                counters.submits += 1
                if event.upscaleFactor != nil { counters.upscales += 1 }
                counters.submitsPerRequest[event.fingerprint ?? event.id, default: 0] += 1
                nextTask += 1
            case .processing:
                tasks[event.id]?.status = "processing"
            case .completed:
                guard tasks[event.id] != nil else { continue }
                tasks[event.id]?.status = event.status ?? "completed"
                tasks[event.id]?.resultToken = newToken()
                if let token = tasks[event.id]?.resultToken { files[token] = StoredFile(task: event.id, expires: expiry()) }
                counters.charges += 1
                counters.creditsCharged += tasks[event.id]?.cost ?? 0
            case .failed:
                guard let record = tasks[event.id] else { continue }
                tasks[event.id]?.status = "failed"
                tasks[event.id]?.errorCode = event.errorCode
                tasks[event.id]?.errorKey = event.errorKey
                tasks[event.id]?.errorMessage = event.errorMessage
                accounts[record.owner]?.credits += record.cost
                counters.refunds += 1
            }
        }
    }

    /// Tasks made but not finished when the simulator last stopped, to be worked again.
    func unfinished() -> [(id: String, request: Request)] {
        tasks.values.filter { $0.status == "pending" || $0.status == "processing" }
            .compactMap { task in requests[task.id].map { (task.id, $0) } }
    }

    /// The reference a task already fetched, when the store kept it.
    func storedReference(of id: String) -> [UInt8]? { store?.reference(task: id) }

    func keepReference(_ bytes: [UInt8], of id: String) { store?.saveReference(bytes, task: id) }

    func inject(_ fault: SimulatorFault) {
        switch fault {
        case .rateLimitBurst(let count): faults.rateLimit += count
        case .serverErrorBurst(let count): faults.serverError += count
        case .dropSubmits(let count): faults.dropSubmits += count
        case .dropReads(let count): faults.dropReads += count
        case .expireResultURLs(let on): faults.expireURLs = on
        }
    }

    func setFailureRate(_ rate: Double) { options.failureRate = rate }

    /// A draw in 0..<1 from the seeded generator.
    func draw() -> Double {
        random = random &* 6364136223846793005 &+ 1442695040888963407
        return Double(random >> 11) / Double(1 << 53)
    }

    /// A reference URL as the log keeps it: a `data:` URI is not kept (its bytes are kept as the task's
    /// reference when it is created), only its head and size.
    static func loggable(_ url: String) -> String {
        url.hasPrefix("data:") ? "\(url.prefix(while: { $0 != "," })),… (\(url.utf8.count) characters)" : url
    }

    /// A draw from the standard normal distribution (Box-Muller), from the seeded generator.
    func normalDraw() -> Double {
        let u = max(draw(), 1e-12)
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * draw())
    }

    /// How long the next task takes, in seconds: `latency`, varied as the options say, times `timeScale`.
    func taskLatency() -> Double {
        var seconds = options.latency
        if options.latencySpread > 0 {
            seconds *= exp(options.latencySpread * normalDraw())
            if let range = options.latencyRange { seconds = min(max(seconds, range.lowerBound), range.upperBound) }
        } else if let range = options.latencyRange {
            seconds = range.lowerBound + (range.upperBound - range.lowerBound) * draw()
        }
        return seconds * options.timeScale
    }

    func countRequest() { counters.requests += 1 }
    func countFileDownload() { counters.fileDownloads += 1 }
    func countRejected() { counters.rejected += 1 }

    func takeRateLimitFault() -> Bool { take(\.rateLimit) }
    func takeServerErrorFault() -> Bool { take(\.serverError) }
    func takeDropSubmit() -> Bool { take(\.dropSubmits) }
    func takeDropRead() -> Bool { take(\.dropReads) }

    private func take(_ path: WritableKeyPath<(rateLimit: Int, serverError: Int, dropSubmits: Int, dropReads: Int, expireURLs: Bool), Int>) -> Bool {
        if faults[keyPath: path] > 0 {
            faults[keyPath: path] -= 1
            return true
        }
        return false
    }

    /// Counts a request against the key's daily limit; nil when it is over (with the limit).
    func admit(key: String) -> (limit: Int?, remaining: Int?, allowed: Bool) {
        let limit = accounts[key]?.plan.dailyLimit
        let used = requestsToday[key, default: 0] + 1
        requestsToday[key] = used
        guard let limit else { return (nil, nil, true) }
        return (limit, max(0, limit - used), used <= limit)
    }

    func account(_ key: String) -> SimulatorOptions.Account? { accounts[key] }

    /// Creates a task, reserving its credits; nil with the shortfall when the balance is too low.
    func createTask(key: String, request: Request, cost: Int, fingerprint: String) -> Result<(TaskRecord, Int), InsufficientCredits> {
        let (model, prompt) = (request.model, request.prompt)
        guard var account = accounts[key] else { return .failure(InsufficientCredits(required: cost, available: 0)) }
        guard account.credits >= cost else { return .failure(InsufficientCredits(required: cost, available: account.credits)) }
        account.credits -= cost
        accounts[key] = account
        let id = "task_sim" + String(nextTask) + "_" + UUID().uuidString.prefix(8).lowercased()
        nextTask += 1
        let record = TaskRecord(id: id, owner: key, model: model, prompt: prompt, cost: cost, status: "pending",
                                createdAt: Date())
        tasks[id] = record
        requests[id] = request
        store?.append(SimulatorStore.Event(kind: .created, id: id, owner: key, model: model, prompt: prompt, cost: cost, tier: request.tier,
                                           aspect: request.aspect, urls: request.urls.map(Self.loggable), fingerprint: fingerprint,
                                           createdAt: record.createdAt.timeIntervalSince1970, upscaleFactor: request.upscaleFactor))
        counters.submits += 1
        if request.upscaleFactor != nil { counters.upscales += 1 }
        counters.submitsPerRequest[fingerprint, default: 0] += 1
        return .success((record, account.credits))
    }

    struct InsufficientCredits: Error {
        var required: Int
        var available: Int
    }

    func task(_ id: String) -> TaskRecord? { tasks[id] }

    func markProcessing(_ id: String) {
        tasks[id]?.status = "processing"
        store?.append(SimulatorStore.Event(kind: .processing, id: id))
    }

    func complete(_ id: String, output: [UInt8]) -> String {
        let token = newToken()
        if let store {
            store.saveOutput(output, task: id)
            store.append(SimulatorStore.Event(kind: .completed, id: id, status: options.successWord))
        } else {
            outputs[id] = output
        }
        files[token] = StoredFile(task: id, expires: expiry())
        tasks[id]?.status = options.successWord
        tasks[id]?.resultToken = token
        counters.charges += 1
        counters.creditsCharged += tasks[id]?.cost ?? 0
        return token
    }

    func fail(_ id: String, code: String, key: String, message: String) {
        guard var record = tasks[id] else { return }
        record.status = "failed"
        record.errorCode = code
        record.errorKey = key
        record.errorMessage = message
        tasks[id] = record
        store?.append(SimulatorStore.Event(kind: .failed, id: id, errorCode: code, errorKey: key, errorMessage: message))
        accounts[record.owner]?.credits += record.cost
        counters.refunds += 1
    }

    /// A fresh URL token for a finished task's output.
    func freshToken(for id: String) -> String? {
        guard tasks[id]?.resultToken != nil else { return nil }
        let token = newToken()
        files[token] = StoredFile(task: id, expires: expiry())
        return token
    }

    func output(of id: String) -> [UInt8]? { outputs[id] ?? store?.output(task: id) }

    func file(_ token: String) -> StoredFile? { files[token] }

    private func expiry() -> Date {
        Date().addingTimeInterval(faults.expireURLs ? -1 : options.resultURLLifetime)
    }

    private func newToken() -> String { UUID().uuidString.lowercased() }
}
