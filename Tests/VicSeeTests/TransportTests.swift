import Foundation
import ImageCore
import Simulator
import Testing
@testable import VicSee

/// What happens on the wire when it goes wrong (issue 9, items 3, 5 and 8): a key that cannot be sent,
/// a submit that never left, one whose answer was lost, redirects. Real sockets on loopback: the
/// simulator, a closed port, and a scripted server for what the simulator cannot do.
@Suite struct TransportTests {
    let gpt = Harness.catalogue.model("gpt-image-2-text-to-image")!

    func client(_ baseURL: String, key: String? = SimulatorOptions.demoKey) -> VicSeeClient {
        var configuration = VicSeeConfiguration(baseURL: baseURL, apiKey: key)
        configuration.retryBaseDelay = 0.01
        configuration.requestTimeout = 20
        return VicSeeClient(configuration: configuration)
    }

    /// The submit's error, which must be a `ServiceError`.
    func submitError(_ client: VicSeeClient, prompt: String = "a red mug") async -> ServiceError? {
        do {
            _ = try await client.submit(GenerationRequest(model: gpt.id, prompt: prompt), spec: gpt)
            Issue.record("the submit succeeded")
            return nil
        } catch let error as ServiceError {
            return error
        } catch {
            Issue.record("not a ServiceError: \(error)")
            return nil
        }
    }

    // MARK: The key (item 3)

    @Test func keysThatCannotBeSentAreRefusedWithoutShowingThem() throws {
        for (key, kind, position) in [("sk-secret-1\n", APIKeyError.CharacterKind.lineBreak, 12), ("sk-secret-1\r\n", .lineBreak, 12),
                                      (" sk-secret-1", .space, 1), ("sk-sécret", .nonASCII, 5), ("sk-\u{7}x", .control, 4)] {
            let error = catching { _ = try APIKey.validate(key) }
            #expect(error as? APIKeyError
                == .badCharacter(variable: "VICSEE_API_KEY", position: position, length: key.unicodeScalars.count, kind: kind))
            let message = error.map { "\($0)" } ?? ""
            #expect(message.hasPrefix("VICSEE_API_KEY: the key has ") && !message.contains("secret"))
        }
        #expect(throws: APIKeyError.empty(variable: "VICSEE_API_KEY")) { try APIKey.validate("") }
        #expect(throws: APIKeyError.missing(variable: "VICSEE_API_KEY")) { try APIKey.fromEnvironment([:]) }
        #expect(try APIKey.validate("sk-simulator-demo") == "sk-simulator-demo")
    }

    /// Before: AsyncHTTPClient refused the header and its error, "invalidHeaderFieldValues(["Bearer sk-…"])",
    /// was printed as a submit that "may exist and be charged".
    @Test func aKeyWithALineBreakIsNeitherSentNorPrinted() async throws {
        try await Harness.run { server, _ in
            let error = await submitError(client(server.baseURL, key: SimulatorOptions.demoKey + "\n"))
            #expect(error == .invalidAPIKey(.badCharacter(variable: "VICSEE_API_KEY", position: 18, length: 18, kind: .lineBreak)))
            #expect(error?.description.contains("simulator-demo") == false)
            #expect(await server.counters().submits == 0)
        }
    }

    // MARK: Not sent, or sent and lost (item 5)

    /// Before: a refused connection was retried until the request's deadline, then called unknown.
    @Test func aRefusedConnectionIsNotSent() async throws {
        let port = try ScriptedServer.closedPort()
        let error = await submitError(client("http://127.0.0.1:\(port)/api/v1"))
        guard case .submitNotSent(let detail) = error else { Issue.record("\(String(describing: error))"); return }
        #expect(detail.contains("127.0.0.1:\(port)") && detail.contains("refused"))
        #expect(error?.description.contains("safe to send again") == true)
        // Reads say they cannot reach the service.
        await #expect {
            try await client("http://127.0.0.1:\(port)/api/v1").credits()
        } throws: { error in
            guard case ServiceError.connection = error else { return false }
            return true
        }
    }

    @Test func aFailedTLSHandshakeIsNotSent() async throws {
        let server = try ScriptedServer { _ in .answer(ScriptedServer.response(400, "Bad Request")) }
        defer { server.stop() }
        let error = await submitError(client("https://127.0.0.1:\(server.port)/api/v1"))
        guard case .submitNotSent = error else { Issue.record("\(String(describing: error))"); return }
    }

    @Test func aConnectionClosedAfterTheWholeRequestIsUnknown() async throws {
        let server = try ScriptedServer { _ in .closeAfterRequest }
        defer { server.stop() }
        let error = await submitError(client(server.baseURL + "/api/v1"))
        guard case .submitOutcomeUnknown = error else { Issue.record("\(String(describing: error))"); return }
        #expect(server.requests.count == 1 && server.requests[0].body.contains("a red mug"))
    }

    /// AsyncHTTPClient tells when the request was written, not whether the server read it: a 500 given
    /// before the body was read is indistinguishable from one given after, and stays unknown.
    @Test func a500AnsweredBeforeTheBodyWasReadStaysUnknown() async throws {
        let server = try ScriptedServer { _ in .answerBeforeBody(ScriptedServer.response(500, "Internal Server Error")) }
        defer { server.stop() }
        let error = await submitError(client(server.baseURL + "/api/v1"), prompt: String(repeating: "a long prompt ", count: 1400))
        guard case .submitOutcomeUnknown = error else { Issue.record("\(String(describing: error))"); return }
    }

    @Test func aDroppedSubmitAtTheSimulatorIsUnknown() async throws {
        try await Harness.run { server, client in
            await server.inject(.dropSubmits(1))
            guard case .submitOutcomeUnknown = await submitError(client) else { Issue.record("not unknown"); return }
            #expect(await server.counters().submits == 1)
        }
    }

    // MARK: Redirects (item 8)

    /// Before: the client followed a 307 with the body to the other origin, whose 404 read as "task not found".
    @Test func aRedirectToAnotherOriginIsNotFollowed() async throws {
        let elsewhere = try ScriptedServer { _ in .answer(ScriptedServer.response(404, "Not Found", body: #"{"error":{"code":"TASK_NOT_FOUND"}}"#)) }
        defer { elsewhere.stop() }
        let target = elsewhere.baseURL + "/api/v1/generate"
        let service = try ScriptedServer { _ in .answer(ScriptedServer.response(307, "Temporary Redirect", headers: ["Location: " + target])) }
        defer { service.stop() }
        let error = await submitError(client(service.baseURL + "/api/v1"))
        #expect(error == .redirected(url: service.baseURL + "/api/v1/generate", status: 307, location: target))
        #expect(error?.description.contains("does not follow it") == true)
        #expect(elsewhere.requests.isEmpty)
    }

    @Test func aRedirectWithinTheServiceIsFollowedWithTheKey() async throws {
        let service = try ScriptedServer { request in
            request.head.hasPrefix("POST /api/v1/generate ")
                ? .answer(ScriptedServer.response(308, "Permanent Redirect", headers: ["Location: /api/v2/generate"]))
                : .answer(ScriptedServer.response(200, "OK", body: #"{"success":true,"data":{"id":"task_moved","status":"pending"}}"#))
        }
        defer { service.stop() }
        let receipt = try await client(service.baseURL + "/api/v1").submit(GenerationRequest(model: gpt.id, prompt: "a red mug"), spec: gpt)
        #expect(receipt.taskID == "task_moved")
        #expect(service.requests.map { $0.head.split(separator: " ").prefix(2).joined(separator: " ") } == ["POST /api/v1/generate", "POST /api/v2/generate"])
        #expect(service.requests.allSatisfy { $0.header("Authorization") == "Bearer " + SimulatorOptions.demoKey && $0.body.contains("a red mug") })
    }

    /// A download may be redirected anywhere (result URLs live on other hosts), but the key stays home.
    @Test func aDownloadFollowsARedirectWithoutTheKey() async throws {
        let png = try ImageEncoder.encode(PixelBuffer(width: 2, height: 2, layout: .rgb, pixels: [UInt8](repeating: 90, count: 12)), as: .png)
        let cdn = try ScriptedServer { _ in
            .answer(ScriptedServer.response(200, "OK", headers: ["Content-Type: image/png"], bytes: png))
        }
        defer { cdn.stop() }
        let service = try ScriptedServer { _ in .answer(ScriptedServer.response(302, "Found", headers: ["Location: \(cdn.baseURL)/x.png"])) }
        defer { service.stop() }
        let task = TaskStatus(id: "t", state: .completed, resultURL: service.baseURL + "/api/v1/files/t.png", rawStatus: "completed")
        let path = Harness.temporaryDirectory() + "/out.png"
        try await client(service.baseURL + "/api/v1").download(task, to: path) { _ in }
        #expect(service.requests.first?.header("Authorization") == "Bearer " + SimulatorOptions.demoKey)
        #expect(cdn.requests.count == 1 && cdn.requests[0].header("Authorization") == nil)
    }
}

/// The error `body` throws, if any.
func catching(_ body: () throws -> Void) -> Error? {
    do { try body() } catch { return error }
    return nil
}
