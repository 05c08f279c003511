import ErrorVocabulary
import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import ImageCore
import NIOCore
import VicSee

/// The simulated VicSee service: a real HTTP server on loopback speaking the published API (envelopes,
/// status and error codes, auth rules, credits, daily limits with their headers, the catalogue's rules),
/// producing real images and injecting faults on request. Started in-process by tests and by imagepipe,
/// or on its own by `imagepipe simulate`.
public final class SimulatorServer: Sendable {
    let state: SimulatorState
    private let task: Task<Void, Error>
    /// The port the server listens on (127.0.0.1).
    public let port: Int

    /// The API root clients use: `http://127.0.0.1:PORT/api/v1`.
    public var baseURL: String { "http://127.0.0.1:\(port)/api/v1" }

    /// Starts listening on 127.0.0.1:`port` (0 picks a free port) and returns once the server accepts.
    public static func start(options: SimulatorOptions = SimulatorOptions(), catalogue: ModelCatalogue, port: Int = 0)
        async throws -> SimulatorServer
    {
        let state = try await SimulatorState(options: options, catalogue: catalogue)
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let router = Router()
        router.add(middleware: SimulatorHeaderMiddleware())
        let routes = Routes(state: state)
        routes.register(on: router)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "vicsee-simulator"),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            }, logger: Logger(label: "simulator", factory: { _ in SwiftLogNoOpLogHandler() }))
        // The stream ends when the server stops too, so a server that fails before it listens (a port
        // taken) is an error here rather than a wait that never ends.
        let task = Task {
            defer { continuation.finish() }
            try await app.run()
        }
        var bound = 0
        for await value in stream { bound = value }
        guard bound > 0 else {
            task.cancel()
            throw SimulatorError.cannotListen(port: port)
        }
        routes.port.withLock { $0 = bound }
        await routes.resumeUnfinished()
        return SimulatorServer(state: state, task: task, port: bound)
    }

    private init(state: SimulatorState, task: Task<Void, Error>, port: Int) {
        self.state = state
        self.task = task
        self.port = port
    }

    /// Stops the server.
    public func stop() async {
        task.cancel()
        _ = try? await task.value
    }

    /// Waits until the server stops (for `imagepipe simulate`).
    public func wait() async throws {
        try await task.value
    }

    public func counters() async -> SimulatorCounters { await state.counters }
    public func credits(of key: String) async -> Int? { await state.account(key)?.credits }
    public func inject(_ fault: SimulatorFault) async { await state.inject(fault) }
    public func setFailureRate(_ rate: Double) async { await state.setFailureRate(rate) }
}

public enum SimulatorError: SubjectError {
    case cannotListen(port: Int)
    case cannotStore(directory: String)

    public var subject: String {
        switch self {
        case .cannotListen(let port): "127.0.0.1:\(port)"
        case .cannotStore(let directory): directory
        }
    }

    public var reason: String {
        switch self {
        case .cannotListen: "the simulator cannot listen there"
        case .cannotStore: "the simulator cannot keep its state there"
        }
    }
}

import Logging
import Synchronization

/// The routes of the simulated API.
final class Routes: Sendable {
    let state: SimulatorState
    let port = Mutex(0)
    private let fetcher = HTTPClient.shared

    init(state: SimulatorState) {
        self.state = state
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/api/v1/models") { _, _ in await self.models() }
        router.post("/api/v1/generate") { request, _ in await self.generate(request) }
        router.get("/api/v1/tasks/:id") { request, context in
            await self.taskStatus(request, id: context.parameters.get("id") ?? "")
        }
        router.get("/api/v1/tasks/:id/download") { request, context in
            await self.download(request, id: context.parameters.get("id") ?? "")
        }
        router.get("/api/v1/credits") { request, _ in await self.credits(request) }
        router.post("/api/v1/upload") { request, _ in await self.signUpload(request) }
        router.post("/api/v1/tools/upscale-image") { request, _ in await self.upscale(request) }
        router.put("/storage/put/:token") { request, context in await self.putUpload(request, token: context.parameters.get("token") ?? "") }
        router.get("/storage/uploads/:key") { _, context in await self.uploadedFile(context.parameters.get("key") ?? "") }
        router.get("/files/:name") { _, context in await self.file(context.parameters.get("name") ?? "") }
        router.get("/_simulator/counters") { _, _ in await self.countersResponse() }
    }

    // MARK: Requests

    /// The request's body as a JSON object, read up to `limit` bytes; nil when it is not one (the
    /// caller answers `INVALID_JSON`).
    static func jsonObject(of request: Request, upTo limit: Int) async -> [String: Any]? {
        guard let buffer = try? await request.body.collect(upTo: limit) else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any]
    }

    // MARK: Answers

    static func json(_ status: HTTPResponse.Status, _ object: Any, rate: (limit: Int?, remaining: Int?)? = nil) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        var headers: HTTPFields = [.contentType: "application/json"]
        let limit = rate?.limit, remaining = rate?.remaining
        headers[HTTPField.Name("X-RateLimit-Limit")!] = limit.map(String.init) ?? "unlimited"
        headers[HTTPField.Name("X-RateLimit-Remaining")!] = remaining.map(String.init) ?? "unlimited"
        headers[HTTPField.Name("X-RateLimit-Reset")!] = Self.nextReset()
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func failure(_ status: HTTPResponse.Status, _ code: String, _ message: String,
                        rate: (limit: Int?, remaining: Int?)? = nil) -> Response {
        json(status, ["success": false, "error": ["code": code, "message": message]], rate: rate)
    }

    /// Midnight UTC after now: when daily counts reset.
    static func nextReset() -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let tomorrow = calendar.startOfDay(for: Date().addingTimeInterval(86_400))
        return ISO8601DateFormatter().string(from: tomorrow)
    }

    /// A response whose body fails half-way: the client sees the connection drop before a whole answer.
    static func dropped() -> Response {
        Response(status: .ok, headers: [.contentType: "application/json", .contentLength: "1000"],
                 body: ResponseBody { writer in
                     try await writer.write(ByteBuffer(string: "{\"success\": tr"))
                     throw CancellationError()
                 })
    }

    // MARK: Authentication and limits

    enum Gate {
        case pass(key: String, rate: (limit: Int?, remaining: Int?))
        case stop(Response)
    }

    /// Applies, in order: injected faults, the Authorization header rules, the account, the daily limit.
    func gate(_ request: Request) async -> Gate {
        await state.countRequest()
        if await state.takeRateLimitFault() {
            await state.countRejected()
            var response = Self.failure(.tooManyRequests, "RATE_LIMITED", "Limit: 500/day. Resets at: \(ISO8601DateFormatter().string(from: Date().addingTimeInterval(1)))")
            response.headers[HTTPField.Name("X-RateLimit-Reset")!] = ISO8601DateFormatter().string(from: Date().addingTimeInterval(1))
            return .stop(response)
        }
        if await state.takeServerErrorFault() {
            await state.countRejected()
            return .stop(Self.failure(.internalServerError, "INTERNAL_ERROR", "simulated internal error"))
        }
        guard let header = request.headers[.authorization] else {
            return .stop(Self.failure(.unauthorized, "MISSING_AUTH_HEADER", "Authorization header is required"))
        }
        guard header.hasPrefix("Bearer ") else {
            return .stop(Self.failure(.unauthorized, "INVALID_AUTH_FORMAT", "Use: Authorization: Bearer sk-..."))
        }
        let key = String(header.dropFirst("Bearer ".count))
        guard key.hasPrefix("sk-") else {
            return .stop(Self.failure(.unauthorized, "INVALID_KEY_FORMAT", "API keys start with sk-"))
        }
        guard let account = await state.account(key) else {
            return .stop(Self.failure(.unauthorized, "INVALID_API_KEY", "Invalid API key"))
        }
        if account.plan == .free {
            return .stop(Self.failure(.forbidden, "FORBIDDEN", "The API is available on paid plans only"))
        }
        let admission = await state.admit(key: key)
        let rate = (admission.limit, admission.remaining)
        guard admission.allowed else {
            await state.countRejected()
            return .stop(Self.failure(.tooManyRequests, "RATE_LIMITED",
                                      "Limit: \(admission.limit ?? 0)/day. Resets at: \(Self.nextReset())", rate: rate))
        }
        return .pass(key: key, rate: rate)
    }

    // MARK: Endpoints

    func models() async -> Response {
        let list = state.catalogue.models.map { ["id": $0.id, "name": $0.family, "type": $0.kind.rawValue] }
        return Self.json(.ok, ["success": true, "data": list])
    }
}
