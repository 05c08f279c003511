import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// Publishes local reference files at URLs on 127.0.0.1, so that the simulated service fetches them over
/// HTTP exactly as the real one fetches a user's hosted files. Each file gets an unguessable path; only
/// registered files are served. Loopback only: the real service cannot reach it.
public final class LoopbackFileHost: Sendable {
    private let files = Mutex<[String: String]>([:])
    private let task: Mutex<Task<Void, Error>?> = Mutex(nil)
    private let boundPort = Mutex(0)

    public init() {}

    /// Starts serving; returns once the port is bound.
    public func start() async throws {
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let router = Router()
        router.get("/ref/:token/:name") { _, context -> Response in
            let token = context.parameters.get("token") ?? ""
            guard let path = self.files.withLock({ $0[token] }), let data = FileManager.default.contents(atPath: path) else {
                return Response(status: .notFound)
            }
            return Response(status: .ok, headers: [.contentType: "application/octet-stream"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        }
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            }, logger: Logger(label: "reference-host", factory: { _ in SwiftLogNoOpLogHandler() }))
        // Finished when the server stops too, so a failure to listen ends the wait below.
        let running = Task {
            defer { continuation.finish() }
            try await app.run()
        }
        task.withLock { $0 = running }
        for await port in stream { boundPort.withLock { $0 = port } }
        guard boundPort.withLock({ $0 }) > 0 else { throw SimulatorError.cannotListen(port: 0) }
    }

    /// The URL at which `path` is now served.
    public func publish(_ path: String) -> String {
        let token = UUID().uuidString.lowercased()
        files.withLock { $0[token] = path }
        let name = (path as NSString).lastPathComponent.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? "file"
        return "http://127.0.0.1:\(boundPort.withLock { $0 })/ref/\(token)/\(name)"
    }

    public func stop() async {
        let running = task.withLock { $0 }
        running?.cancel()
        _ = try? await running?.value
    }
}
