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

    struct StoredFile {
        var bytes: [UInt8]
        var expires: Date
    }

    var options: SimulatorOptions
    let catalogue: ModelCatalogue
    var accounts: [String: SimulatorOptions.Account]
    var tasks: [String: TaskRecord] = [:]
    var files: [String: StoredFile] = [:]
    var outputs: [String: [UInt8]] = [:]
    var counters = SimulatorCounters()
    var requestsToday: [String: Int] = [:]
    var faults = (rateLimit: 0, serverError: 0, dropSubmits: 0, dropReads: 0, expireURLs: false)
    var random: UInt64
    var nextTask = 1

    init(options: SimulatorOptions, catalogue: ModelCatalogue) {
        self.options = options
        self.catalogue = catalogue
        self.accounts = options.accounts
        self.random = options.seed
    }

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

    func countRequest() { counters.requests += 1 }
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
    func createTask(key: String, model: String, prompt: String, cost: Int, fingerprint: String) -> Result<(TaskRecord, Int), InsufficientCredits> {
        guard var account = accounts[key] else { return .failure(InsufficientCredits(required: cost, available: 0)) }
        guard account.credits >= cost else { return .failure(InsufficientCredits(required: cost, available: account.credits)) }
        account.credits -= cost
        accounts[key] = account
        let id = "task_sim" + String(nextTask) + "_" + UUID().uuidString.prefix(8).lowercased()
        nextTask += 1
        let record = TaskRecord(id: id, owner: key, model: model, prompt: prompt, cost: cost, status: "pending",
                                createdAt: Date())
        tasks[id] = record
        counters.submits += 1
        counters.submitsPerRequest[fingerprint, default: 0] += 1
        return .success((record, account.credits))
    }

    struct InsufficientCredits: Error {
        var required: Int
        var available: Int
    }

    func task(_ id: String) -> TaskRecord? { tasks[id] }

    func markProcessing(_ id: String) { tasks[id]?.status = "processing" }

    func complete(_ id: String, output: [UInt8]) -> String {
        let token = newToken()
        outputs[id] = output
        files[token] = StoredFile(bytes: output, expires: expiry())
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
        accounts[record.owner]?.credits += record.cost
        counters.refunds += 1
    }

    /// A fresh URL token for a finished task's output.
    func freshToken(for id: String) -> String? {
        guard let output = outputs[id] else { return nil }
        let token = newToken()
        files[token] = StoredFile(bytes: output, expires: expiry())
        return token
    }

    func output(of id: String) -> [UInt8]? { outputs[id] }

    func file(_ token: String) -> StoredFile? { files[token] }

    private func expiry() -> Date {
        Date().addingTimeInterval(faults.expireURLs ? -1 : options.resultURLLifetime)
    }

    private func newToken() -> String { UUID().uuidString.lowercased() }
}
