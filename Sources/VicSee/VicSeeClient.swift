import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// Where and how to reach the service.
public struct VicSeeConfiguration: Sendable {
    /// The API root, such as `https://vicsee.com/api/v1` (tests point it at the simulator on loopback).
    public var baseURL: String
    /// The secret key; sent only to `baseURL`'s origin, never printed.
    public var apiKey: String?
    /// Seconds one HTTP exchange may take.
    public var requestTimeout: Double = 60
    /// Polling: first wait, growth factor, longest wait, and when to give up (the service recommends
    /// 1 s × 1.5 up to 10 s).
    public var pollInitial: Double = 1
    public var pollFactor: Double = 1.5
    public var pollMaximum: Double = 10
    public var pollTimeout: Double = 900
    /// How many times a read is tried in all when it fails transiently (429, 500, 502, connection).
    public var readAttempts = 5
    /// First pause before retrying a read; doubled each time, with jitter, up to 8 s.
    public var retryBaseDelay: Double = 0.5
    /// Largest download accepted.
    public var maxDownloadBytes = 200_000_000

    /// The environment variable the key is read from.
    public static let apiKeyVariable = "VICSEE_API_KEY"
    public static let defaultBaseURL = "https://vicsee.com/api/v1"

    public init(baseURL: String = VicSeeConfiguration.defaultBaseURL, apiKey: String?) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
    }
}

/// The service's HTTP API: submit, poll, download, credits, models. Reads are retried with jittered
/// backoff on transient failures; a submit never is, because a lost answer may hide a charged task.
public final class VicSeeClient: Sendable {
    public let configuration: VicSeeConfiguration
    private let http: HTTPClient
    private let lastRateLimit = Mutex<RateLimit?>(nil)

    public init(configuration: VicSeeConfiguration, httpClient: HTTPClient = .shared) {
        self.configuration = configuration
        self.http = httpClient
    }

    /// The rate-limit headers of the latest answer.
    public var rateLimit: RateLimit? { lastRateLimit.withLock { $0 } }

    // MARK: Calls

    /// Submits a generation. On any answer but a clear refusal the outcome is unknown and reported so.
    public func submit(_ request: GenerationRequest, spec: ModelSpec) async throws -> SubmitReceipt {
        let body = try JSONSerialization.data(withJSONObject: Self.body(for: request, spec: spec), options: [.sortedKeys])
        let answer: Answer
        do {
            answer = try await send(.POST, url: configuration.baseURL + "/generate", body: body)
        } catch let error as ServiceError {
            if case .connection(let detail) = error { throw ServiceError.submitOutcomeUnknown(detail: detail) }
            throw error
        }
        if answer.status >= 500 {
            throw ServiceError.submitOutcomeUnknown(detail: "HTTP \(answer.status): \(errorText(answer))")
        }
        guard (200..<300).contains(answer.status) else { throw error(from: answer) }
        guard let object = answer.json else {
            throw ServiceError.submitOutcomeUnknown(detail: "the answer to the submit is not JSON")
        }
        // Two published shapes: {"success", "data": {"id", ...}} and a flat {"task_id", "status"}.
        let data = object["data"] as? [String: Any] ?? object
        guard let id = (data["id"] ?? data["task_id"] ?? data["taskId"]).flatMap(Self.string) else {
            throw ServiceError.submitOutcomeUnknown(detail: "the answer to the submit has no task id")
        }
        return SubmitReceipt(
            taskID: id, status: (data["status"] as? String) ?? "pending", creditsUsed: data["creditsUsed"] as? Int,
            creditsRemaining: data["creditsRemaining"] as? Int)
    }

    /// The task's current state.
    public func task(_ id: String) async throws -> TaskStatus {
        let answer = try await read(configuration.baseURL + "/tasks/" + Self.escape(id))
        guard let object = answer.json else { throw ServiceError.unexpectedResponse(detail: "task \(id): not JSON") }
        let data = object["data"] as? [String: Any] ?? object
        let raw = (data["status"] as? String ?? "").lowercased()
        let state: TaskStatus.State =
            switch raw {
            case "completed", "success", "succeeded": .completed
            case "failed", "error": .failed
            case "processing", "running": .processing
            case "queued": .queued
            default: .pending
            }
        let result = data["result"] as? [String: Any]
        let error = data["error"] as? [String: Any]
        return TaskStatus(
            id: (data["id"] ?? data["task_id"]).flatMap(Self.string) ?? id, state: state, resultURL: result?["url"] as? String,
            errorCode: error?["code"] as? String, errorMessage: (error?["message"] as? String).map(redact), rawStatus: raw)
    }

    /// Polls until the task completes (returns it) or fails (throws), backing off as the service asks.
    public func waitForCompletion(_ id: String, onUpdate: @Sendable (TaskStatus) -> Void = { _ in }) async throws -> TaskStatus {
        let started = ContinuousClock.now
        var delay = configuration.pollInitial
        while true {
            let status = try await task(id)
            onUpdate(status)
            switch status.state {
            case .completed:
                guard status.resultURL != nil else { throw ServiceError.noResult(id: id) }
                return status
            case .failed:
                throw ServiceError.taskFailed(id: id, code: status.errorCode ?? "GENERATION_FAILED",
                                              message: status.errorMessage ?? "no reason given")
            default:
                let elapsed = (ContinuousClock.now - started).seconds
                if elapsed + delay > configuration.pollTimeout {
                    throw ServiceError.timedOut(id: id, seconds: configuration.pollTimeout)
                }
                try await Task.sleep(for: .seconds(delay))
                delay = min(delay * configuration.pollFactor, configuration.pollMaximum)
            }
        }
    }

    /// A fresh download location for a finished task.
    public func downloadInfo(_ id: String) async throws -> DownloadInfo {
        let answer = try await read(configuration.baseURL + "/tasks/" + Self.escape(id) + "/download")
        let data = answer.json.flatMap { $0["data"] as? [String: Any] ?? $0 }
        guard let url = data?["url"] as? String else {
            throw ServiceError.unexpectedResponse(detail: "task \(id): the download answer has no url")
        }
        return DownloadInfo(url: url, type: data?["type"] as? String, expiresAt: data?["expiresAt"] as? String)
    }

    /// Downloads a finished task's output to `path`: from its result URL, then (when that has expired)
    /// from a fresh `/download` URL, then through the API itself (`?mode=proxy`). The bytes stream to a
    /// temporary file beside `path`, are size-limited and handed to `check` (which throws to refuse
    /// them), and only then renamed to `path`; a failure leaves nothing behind.
    public func download(_ task: TaskStatus, to path: String, check: (String) throws -> Void) async throws {
        var sources: [String] = []
        if let url = task.resultURL { sources.append(url) }
        var lastError: Error?
        for attempt in 0..<3 {
            let url: String
            switch attempt {
            case 0:
                guard let first = sources.first else { continue }
                url = first
            case 1:
                guard let info = try? await downloadInfo(task.id) else { continue }
                url = info.url
            default:
                url = configuration.baseURL + "/tasks/" + Self.escape(task.id) + "/download?mode=proxy"
            }
            do {
                try await fetch(url, to: path, check: check)
                return
            } catch let error as ServiceError {
                lastError = error
                if case .download(_, let detail) = error, detail.hasPrefix("refused by check") { throw error }
            }
        }
        throw lastError ?? ServiceError.noResult(id: task.id)
    }

    /// The account's credit balance.
    public func credits() async throws -> Int {
        let answer = try await read(configuration.baseURL + "/credits")
        let data = answer.json.flatMap { $0["data"] as? [String: Any] ?? $0 }
        guard let credits = data?["credits"] as? Int else {
            throw ServiceError.unexpectedResponse(detail: "the credits answer has no 'credits'")
        }
        return credits
    }

    /// The model ids the service lists (no key needed).
    public func models() async throws -> [String] {
        let answer = try await read(configuration.baseURL + "/models", authenticated: false)
        let data = answer.json.flatMap { $0["data"] ?? $0["models"] }
        let list = (data as? [Any]) ?? ((data as? [String: Any])?["models"] as? [Any]) ?? []
        return list.compactMap { ($0 as? String) ?? (($0 as? [String: Any])?["id"] as? String) }
    }

    // MARK: Transport

    struct Answer {
        var status: Int
        var headers: HTTPHeaders
        var body: Data
        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
    }

    private func read(_ url: String, authenticated: Bool = true) async throws -> Answer {
        var attempt = 0
        while true {
            attempt += 1
            do {
                let answer = try await send(.GET, url: url, body: nil, authenticated: authenticated)
                if (200..<300).contains(answer.status) { return answer }
                throw error(from: answer)
            } catch let error as ServiceError where error.isTransient && attempt < configuration.readAttempts {
                try await Task.sleep(for: .seconds(retryDelay(after: error, attempt: attempt)))
            }
        }
    }

    /// Exponential backoff with jitter; a 429 waits for its reset time when that is near, and is given up
    /// on (thrown) when the daily limit resets too far ahead to wait for.
    private func retryDelay(after error: ServiceError, attempt: Int) throws -> Double {
        let jitter = Double.random(in: 0.5...1.0)
        if case .rateLimited(_, let resetsAt) = error, let resetsAt, let reset = Self.parseDate(resetsAt) {
            let wait = reset.timeIntervalSinceNow
            if wait > 60 { throw error }
            return max(wait, 0) + jitter * configuration.retryBaseDelay
        }
        return min(8, configuration.retryBaseDelay * pow(2, Double(attempt - 1))) * jitter
    }

    private func send(_ method: HTTPMethod, url: String, body: Data?, authenticated: Bool = true) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "imagepipe")
        if authenticated {
            guard let key = configuration.apiKey, !key.isEmpty else {
                throw ServiceError.missingAPIKey(variable: VicSeeConfiguration.apiKeyVariable)
            }
            if isOwnOrigin(url) { request.headers.add(name: "Authorization", value: "Bearer " + key) }
        }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        do {
            let response = try await http.execute(request, timeout: .milliseconds(Int64(configuration.requestTimeout * 1000)))
            let bytes = try await response.body.collect(upTo: 16 << 20)
            record(response.headers)
            return Answer(status: Int(response.status.code), headers: response.headers, body: Data(bytes.readableBytesView))
        } catch let error as ServiceError {
            throw error
        } catch {
            throw ServiceError.connection(detail: redact("\(error)"))
        }
    }

    private func fetch(_ url: String, to path: String, check: (String) throws -> Void) async throws {
        var request = HTTPClientRequest(url: url)
        if isOwnOrigin(url), let key = configuration.apiKey { request.headers.add(name: "Authorization", value: "Bearer " + key) }
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = (directory.isEmpty ? "." : directory) + "/." + (path as NSString).lastPathComponent + ".part-" + UUID().uuidString
        FileManager.default.createFile(atPath: temporary, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        do {
            let response = try await http.execute(request, timeout: .milliseconds(Int64(configuration.requestTimeout * 1000)))
            record(response.headers)
            guard response.status == .ok else {
                let text = String(decoding: try await response.body.collect(upTo: 1 << 16).readableBytesView, as: UTF8.self)
                throw ServiceError.download(url: url, detail: "HTTP \(response.status.code) \(redact(text.prefix(200).description))")
            }
            guard let handle = FileHandle(forWritingAtPath: temporary) else {
                throw ServiceError.download(url: url, detail: "cannot write \(temporary)")
            }
            defer { try? handle.close() }
            var total = 0
            for try await chunk in response.body {
                total += chunk.readableBytes
                if total > configuration.maxDownloadBytes {
                    throw ServiceError.download(url: url, detail: "larger than \(configuration.maxDownloadBytes) bytes")
                }
                try handle.write(contentsOf: Data(chunk.readableBytesView))
            }
            try handle.synchronize()
            if let expected = response.headers.first(name: "Content-Length").flatMap(Int.init), expected != total {
                throw ServiceError.download(url: url, detail: "got \(total) of \(expected) bytes")
            }
        } catch let error as ServiceError {
            throw error
        } catch {
            throw ServiceError.download(url: url, detail: redact("\(error)"))
        }
        do {
            try check(temporary)
        } catch {
            throw ServiceError.download(url: url, detail: "refused by check: \(error)")
        }
        if rename(temporary, path) != 0 {
            throw ServiceError.download(url: url, detail: "cannot move the download to \(path)")
        }
    }

    private func record(_ headers: HTTPHeaders) {
        let limit = RateLimit(
            limit: headers.first(name: "X-RateLimit-Limit").flatMap(Int.init),
            remaining: headers.first(name: "X-RateLimit-Remaining").flatMap(Int.init),
            reset: headers.first(name: "X-RateLimit-Reset"))
        if limit.limit != nil || limit.remaining != nil || limit.reset != nil { lastRateLimit.withLock { $0 = limit } }
    }

    private func error(from answer: Answer) -> ServiceError {
        let error = answer.json?["error"] as? [String: Any]
        let code = error?["code"] as? String ?? "HTTP_\(answer.status)"
        let message = redact(error?["message"] as? String ?? String(decoding: answer.body.prefix(200), as: UTF8.self))
        switch answer.status {
        case 400: return .badRequest(code: code, message: message)
        case 401: return .unauthorized(code: code, message: message)
        case 402: return .insufficientCredits(message: message)
        case 403: return .forbidden(code: code, message: message)
        case 404: return .taskNotFound(id: "", message: message)
        case 429: return .rateLimited(message: message, resetsAt: answer.headers.first(name: "X-RateLimit-Reset"))
        default: return .serverError(status: answer.status, code: code, message: message)
        }
    }

    private func errorText(_ answer: Answer) -> String {
        let error = answer.json?["error"] as? [String: Any]
        return redact(error?["message"] as? String ?? "no message")
    }

    /// Whether `url` is on the configured service's origin: only there does the key go.
    private func isOwnOrigin(_ url: String) -> Bool {
        guard let base = URL(string: configuration.baseURL), let target = URL(string: url) else { return false }
        return base.scheme == target.scheme && base.host == target.host && base.port == target.port
    }

    /// Removes the API key from any text that might be shown.
    func redact(_ text: String) -> String {
        guard let key = configuration.apiKey, key.count >= 4 else { return text }
        return text.replacingOccurrences(of: key, with: "sk-…")
    }

    // MARK: For the calls in VicSeeClient+Upload.swift, +Upscale.swift and +Polling.swift

    /// One API call, never retried (the caller decides what a failure means).
    func call(_ method: HTTPMethod, url: String, body: Data?) async throws -> Answer {
        try await send(method, url: url, body: body)
    }

    /// The error an answer that is not a success stands for.
    func failure(of answer: Answer) -> ServiceError { error(from: answer) }

    /// The HTTP client itself, for requests to storage that carry no key (a presigned upload).
    var transport: HTTPClient { http }

    static func body(for request: GenerationRequest, spec: ModelSpec) -> [String: Any] {
        var parameters: [String: Any] = ["prompt": request.prompt]
        if !request.imageURLs.isEmpty { parameters["image_urls"] = request.imageURLs }
        switch spec.requestShape {
        case .input:
            parameters["resolution"] = request.resolution.rawValue
            parameters["aspect_ratio"] = request.aspect.description
            return ["model": spec.id, "input": parameters]
        case .options:
            parameters["options"] = ["resolution": request.resolution.rawValue, "aspectRatio": request.aspect.description]
            parameters["model"] = spec.id
            return parameters
        }
    }

    static func string(_ value: Any) -> String? {
        (value as? String) ?? (value as? Int).map(String.init)
    }

    static func escape(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? id
    }

    /// Reads the ISO 8601 times the service uses (rate-limit resets, expiry).
    public static func parseDate(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
