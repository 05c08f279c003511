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
///
/// Redirects are decided here, call by call, never by the HTTP client: a redirect within the service's
/// origin is followed (a submit only by 307/308, which keep it a POST), one to another origin is
/// refused for API calls (the key and a submit's body go only to `baseURL`'s origin) and followed
/// without the key for downloads, whose result URLs live on other hosts anyway.
public final class VicSeeClient: Sendable {
    public let configuration: VicSeeConfiguration
    private let http: HTTPClient
    /// Set once an answer carried `SimulatorHeader`.
    private let simulatorSeen = Mutex(false)
    private let lastRateLimit = Mutex<RateLimit?>(nil)

    /// Redirects followed in a row before giving up.
    static let maxRedirects = 5

    public init(configuration: VicSeeConfiguration, httpClient: HTTPClient = VicSeeClient.sharedHTTPClient) {
        self.configuration = configuration
        self.http = httpClient
    }

    /// The HTTP client every `VicSeeClient` uses unless given another, for the whole process (like
    /// `HTTPClient.shared`, never shut down). Unlike `HTTPClient.shared` it follows no redirect by
    /// itself, and it does not retry a connection that failed until the request's deadline (its default,
    /// which made a refused connection take the whole request timeout): a service that cannot be reached
    /// is reported at once, or after the 10 s connect timeout when nothing answers at all.
    public static let sharedHTTPClient: HTTPClient = {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10), read: .seconds(60)))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// The rate-limit headers of the latest answer.
    public var rateLimit: RateLimit? { lastRateLimit.withLock { $0 } }

    // MARK: Calls

    /// Submits a generation. When the request never reached the service whole it throws `submitNotSent`
    /// (safe to send again); when it did and no clear answer came back, `submitOutcomeUnknown`.
    public func submit(_ request: GenerationRequest, spec: ModelSpec) async throws -> SubmitReceipt {
        let body = try JSONSerialization.data(withJSONObject: Self.body(for: request, spec: spec), options: [.sortedKeys])
        return try await submitOnce(body, to: "/generate")
    }

    /// Sends a submit (a generation, an upscale) once, telling a request that never reached the service
    /// whole (`submitNotSent`) from one whose outcome is unknown (`submitOutcomeUnknown`).
    func submitOnce(_ body: Data, to path: String) async throws -> SubmitReceipt {
        let answer: HTTPExchange.Answer
        do {
            answer = try await send(.POST, url: configuration.baseURL + path, body: body)
        } catch let failure as TransportFailure {
            if failure.requestWritten { throw ServiceError.submitOutcomeUnknown(detail: failure.detail) }
            throw ServiceError.submitNotSent(detail: failure.detail)
        }
        if answer.status >= 500 {
            throw ServiceError.submitOutcomeUnknown(detail: "HTTP \(answer.status): \(redact(ServiceAnswers.message(answer.body)))")
        }
        guard (200..<300).contains(answer.status) else { throw error(from: answer) }
        return try ServiceAnswers.submitReceipt(answer.body)
    }

    /// The task's current state.
    public func task(_ id: String) async throws -> TaskStatus {
        var status = try ServiceAnswers.taskStatus(try await read(configuration.baseURL + "/tasks/" + Self.escape(id)).body, id: id)
        status.errorMessage = status.errorMessage.map(redact)
        return status
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
        try ServiceAnswers.downloadInfo(try await read(configuration.baseURL + "/tasks/" + Self.escape(id) + "/download").body, id: id)
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
            } catch let refused as RefusedByCheck {
                // The bytes arrived whole and are not what was wanted: another source gives the same bytes.
                throw ServiceError.download(url: url, detail: "refused by check: \(refused.error)")
            } catch let error as ServiceError {
                lastError = error
            }
        }
        throw lastError ?? ServiceError.noResult(id: task.id)
    }

    /// The account's credit balance.
    public func credits() async throws -> Int {
        try ServiceAnswers.credits(try await read(configuration.baseURL + "/credits").body)
    }

    /// The model ids the service lists (no key needed).
    public func models() async throws -> [String] {
        ServiceAnswers.models(try await read(configuration.baseURL + "/models", authenticated: false).body)
    }

    // MARK: Transport

    typealias Answer = HTTPExchange.Answer

    private func read(_ url: String, authenticated: Bool = true) async throws -> Answer {
        var attempt = 0
        while true {
            attempt += 1
            do {
                let answer: Answer
                do {
                    answer = try await send(.GET, url: url, body: nil, authenticated: authenticated)
                } catch let failure as TransportFailure {
                    throw ServiceError.connection(detail: failure.detail)
                }
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

    /// One call to the API, following redirects within its origin. Throws `ServiceError` for a key that
    /// cannot be sent or a redirect refused, and `TransportFailure` when no answer came.
    private func send(_ method: HTTPMethod, url: String, body: Data?, authenticated: Bool = true) async throws -> Answer {
        let key = authenticated ? try usableKey() : nil
        var url = url
        for _ in 0...Self.maxRedirects {
            let answer = try await exchange(method, url: url, body: body, key: isOwnOrigin(url) ? key : nil, limit: 16 << 20)
            guard (300..<400).contains(answer.status), answer.status != 304 else { return answer }
            let location = answer.headers.first(name: "Location") ?? ""
            guard let next = URL(string: location, relativeTo: URL(string: url))?.absoluteString, isOwnOrigin(next),
                method == .GET || answer.status == 307 || answer.status == 308
            else {
                throw ServiceError.redirected(url: url, status: answer.status, location: location)
            }
            url = next
        }
        throw ServiceError.unexpectedResponse(detail: "\(url): more than \(Self.maxRedirects) redirects")
    }

    /// The configured key, checked: a key the HTTP client would refuse as a header value is reported
    /// here, without the key, before any request is built.
    private func usableKey() throws -> String {
        guard let key = configuration.apiKey, !key.isEmpty else {
            throw ServiceError.missingAPIKey(variable: VicSeeConfiguration.apiKeyVariable)
        }
        do {
            return try APIKey.validate(key)
        } catch {
            throw ServiceError.invalidAPIKey(error)
        }
    }

    /// One HTTP exchange, no redirect followed. `key` goes into the Authorization header when given.
    private func exchange(_ method: HTTPMethod, url: String, body: Data?, key: String?, limit: Int) async throws -> Answer {
        var headers = HTTPHeaders([("Accept", "application/json"), ("User-Agent", "imagepipe")])
        if let key { headers.add(name: "Authorization", value: "Bearer " + key) }
        if body != nil { headers.add(name: "Content-Type", value: "application/json") }
        let delegate = HTTPExchange(limit: limit)
        do {
            let request = try HTTPClient.Request(url: url, method: method, headers: headers, body: body.map { .data($0) })
            let task = http.execute(
                request: request, delegate: delegate,
                deadline: .now() + .milliseconds(Int64(configuration.requestTimeout * 1000)))
            let answer = try await withTaskCancellationHandler {
                try await task.futureResult.get()
            } onCancel: {
                task.cancel()
            }
            record(answer.headers)
            return answer
        } catch {
            throw TransportFailure(error, requestWritten: delegate.requestWritten, url: url)
        }
    }

    /// Streams `url` (following redirects to any origin, the key only ever sent to the service's own) into
    /// a temporary file beside `path`, checks it and renames it to `path`.
    private func fetch(_ url: String, to path: String, check: (String) throws -> Void) async throws {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = (directory.isEmpty ? "." : directory) + "/." + (path as NSString).lastPathComponent + ".part-" + UUID().uuidString
        _ = FileManager.default.createFile(atPath: temporary, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        var current = url
        do {
            var response: HTTPClientResponse?
            for _ in 0...Self.maxRedirects {
                var request = HTTPClientRequest(url: current)
                if isOwnOrigin(current), let key = try? usableKey() { request.headers.add(name: "Authorization", value: "Bearer " + key) }
                let answer = try await http.execute(request, timeout: .milliseconds(Int64(configuration.requestTimeout * 1000)))
                record(answer.headers)
                guard (300..<400).contains(answer.status.code), answer.status != .notModified,
                    let location = answer.headers.first(name: "Location"),
                    let next = URL(string: location, relativeTo: URL(string: current))?.absoluteString
                else {
                    response = answer
                    break
                }
                current = next
            }
            guard let response else { throw ServiceError.download(url: url, detail: "more than \(Self.maxRedirects) redirects") }
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
            throw ServiceError.download(url: url, detail: TransportFailure.describe(error))
        }
        do {
            try check(temporary)
        } catch {
            throw RefusedByCheck(error: error)
        }
        if rename(temporary, path) != 0 {
            throw ServiceError.download(url: url, detail: "cannot move the download to \(path)")
        }
    }

    /// A download that arrived whole but that `check` refused.
    private struct RefusedByCheck: Error {
        var error: Error
    }

    private func record(_ headers: HTTPHeaders) {
        let limit = RateLimit(
            limit: headers.first(name: "X-RateLimit-Limit").flatMap(Int.init),
            remaining: headers.first(name: "X-RateLimit-Remaining").flatMap(Int.init),
            reset: headers.first(name: "X-RateLimit-Reset"))
        if limit.limit != nil || limit.remaining != nil || limit.reset != nil { lastRateLimit.withLock { $0 = limit } }
        if headers.contains(name: SimulatorHeader.name) { simulatorSeen.withLock { $0 = true } }
    }

    /// True once an answer said it came from a simulator (`SimulatorHeader`): what it makes is simulated.
    public var answersAreSimulated: Bool { simulatorSeen.withLock { $0 } }

    private func error(from answer: Answer) -> ServiceError {
        ServiceAnswers.error(status: answer.status, body: answer.body, resetsAt: answer.headers.first(name: "X-RateLimit-Reset"),
                             redact: redact)
    }

    /// Whether `url` is on the configured service's origin (scheme, host and port, a default port
    /// written or not): only there does the key go.
    private func isOwnOrigin(_ url: String) -> Bool {
        guard let base = URL(string: configuration.baseURL), let target = URL(string: url) else { return false }
        func origin(_ url: URL) -> (String?, String?, Int?) {
            let scheme = url.scheme?.lowercased()
            return (scheme, url.host?.lowercased(), url.port ?? (scheme == "https" ? 443 : scheme == "http" ? 80 : nil))
        }
        return origin(base) == origin(target)
    }

    /// Removes the API key from any text that might be shown.
    func redact(_ text: String) -> String {
        guard let key = configuration.apiKey, key.count >= 4 else { return text }
        return text.replacingOccurrences(of: key, with: "sk-…")
    }

    // MARK: For the calls in VicSeeClient+Upload.swift, +Upscale.swift and +Polling.swift

    /// One API call that spends nothing, never retried: no answer is `ServiceError.connection`.
    func call(_ method: HTTPMethod, url: String, body: Data?) async throws -> Answer {
        do {
            return try await send(method, url: url, body: body)
        } catch let failure as TransportFailure {
            throw ServiceError.connection(detail: failure.detail)
        }
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
