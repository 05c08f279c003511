import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Simulator
import VicSee

/// Starts a real simulator on loopback for one test, with a client pointed at it, and stops it after.
enum Harness {
    static let catalogue = try! ModelCatalogue.bundled()

    static func run(
        configure: (inout SimulatorOptions) -> Void = { _ in },
        key: String = SimulatorOptions.demoKey,
        _ body: (SimulatorServer, VicSeeClient) async throws -> Void
    ) async throws {
        var options = SimulatorOptions()
        options.latency = 0.05
        configure(&options)
        let server = try await SimulatorServer.start(options: options, catalogue: catalogue)
        var configuration = VicSeeConfiguration(baseURL: server.baseURL, apiKey: key)
        configuration.pollInitial = 0.02
        configuration.pollMaximum = 0.1
        configuration.retryBaseDelay = 0.01
        configuration.pollTimeout = 30
        do {
            try await body(server, VicSeeClient(configuration: configuration))
        } catch {
            await server.stop()
            throw error
        }
        let counters = await server.counters()
        await server.stop()
        // Whatever a test did, no generation may have been submitted twice, and every task is settled once.
        precondition(counters.submitsPerRequest.values.allSatisfy { $0 == 1 }, "a generation was submitted twice: \(counters)")
    }

    /// A raw request, for what the client itself never sends (bad JSON, missing headers).
    static func raw(_ method: HTTPMethod, _ url: String, headers: [(String, String)] = [], body: String? = nil) async throws
        -> (status: Int, json: [String: Any])
    {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        let json = (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any] ?? [:]
        return (Int(response.status.code), json)
    }

    static func code(_ json: [String: Any]) -> String? { (json["error"] as? [String: Any])?["code"] as? String }

    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "imagepipe-vicsee-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static let textRequest = GenerationRequest(model: "gpt-image-2-text-to-image", prompt: "a red mug", resolution: .oneK,
                                               aspect: .ratio(AspectRatio(width: 4, height: 3)))
}
