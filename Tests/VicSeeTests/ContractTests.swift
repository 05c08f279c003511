import Foundation
import ImageCore
import Simulator
import Testing
@testable import VicSee

/// The real client against the real simulator over HTTP on loopback: every endpoint, every error code,
/// both response shapes, URL expiry and each injected fault. The harness checks after each test that no
/// generation was submitted twice; the tests check charges and refunds against the credits.
@Suite struct ContractTests {
    let gpt = Harness.catalogue.model("gpt-image-2-text-to-image")!

    @Test(arguments: SimulatorOptions.SubmitShape.allCases, ["completed", "success"])
    func submitPollDownloadInBothShapes(shape: SimulatorOptions.SubmitShape, word: String) async throws {
        try await Harness.run(configure: { $0.submitShape = shape; $0.successWord = word }) { server, client in
            let receipt = try await client.submit(Harness.textRequest, spec: gpt)
            #expect(receipt.taskID.hasPrefix("task_sim"))
            if shape == .envelope {
                #expect(receipt.creditsUsed == 8 && receipt.creditsRemaining == 992)
            }
            let done = try await client.waitForCompletion(receipt.taskID)
            #expect(done.state == .completed && done.rawStatus == word)
            let path = Harness.temporaryDirectory() + "/out.png"
            try await client.download(done, to: path) { _ in }
            let info = try ImageProbe.probe(path: path)
            #expect(info.width == 1024 && info.height == 768)
            #expect(try await client.credits() == 992)
            let counters = await server.counters()
            #expect(counters.submits == 1 && counters.charges == 1 && counters.refunds == 0 && counters.creditsCharged == 8)
            #expect(client.rateLimit?.limit == 500)
        }
    }

    @Test func modelsNeedNoKey() async throws {
        try await Harness.run(key: "") { _, client in
            let ids = try await client.models()
            #expect(ids.contains("gpt-image-2-image-to-image"))
            await #expect(throws: ServiceError.missingAPIKey(variable: "VICSEE_API_KEY")) { _ = try await client.credits() }
        }
    }

    @Test func authenticationCodes() async throws {
        try await Harness.run { server, _ in
            let url = server.baseURL + "/credits"
            #expect(Harness.code(try await Harness.raw(.GET, url).json) == "MISSING_AUTH_HEADER")
            #expect(Harness.code(try await Harness.raw(.GET, url, headers: [("Authorization", "Token x")]).json) == "INVALID_AUTH_FORMAT")
            #expect(Harness.code(try await Harness.raw(.GET, url, headers: [("Authorization", "Bearer pk-1")]).json) == "INVALID_KEY_FORMAT")
            let unknown = try await Harness.raw(.GET, url, headers: [("Authorization", "Bearer sk-nobody")])
            #expect(unknown.status == 401 && Harness.code(unknown.json) == "INVALID_API_KEY")
        }
        // Through the client: the service's message, and never the key itself.
        try await Harness.run(key: "sk-secret-do-not-print") { _, client in
            do {
                _ = try await client.credits()
                Issue.record("an unknown key was accepted")
            } catch let error as ServiceError {
                guard case .unauthorized(code: "INVALID_API_KEY", _) = error else { Issue.record("\(error)"); return }
                #expect(!error.description.contains("sk-secret-do-not-print"))
            }
        }
    }

    @Test func badRequestCodes() async throws {
        try await Harness.run { server, _ in
            let url = server.baseURL + "/generate"
            let auth = [("Authorization", "Bearer " + SimulatorOptions.demoKey)]
            #expect(Harness.code(try await Harness.raw(.POST, url, headers: auth, body: "{not json").json) == "INVALID_JSON")
            #expect(Harness.code(try await Harness.raw(.POST, url, headers: auth, body: #"{"input": {}}"#).json) == "MISSING_MODEL")
            #expect(Harness.code(try await Harness.raw(.POST, url, headers: auth, body: #"{"model": "nope", "input": {"prompt": "x"}}"#).json) == "INVALID_MODEL")
            #expect(Harness.code(try await Harness.raw(.POST, url, headers: auth, body: #"{"model": "gpt-image-2-text-to-image", "input": {}}"#).json) == "MISSING_PROMPT")
            let ratio = try await Harness.raw(.POST, url, headers: auth,
                                              body: #"{"model": "gpt-image-2-text-to-image", "input": {"prompt": "x", "aspect_ratio": "7:3"}}"#)
            #expect(ratio.status == 400 && Harness.code(ratio.json) == "INVALID_PARAMETERS")
            // FLUX's alternative request shape is accepted too.
            let flux = try await Harness.raw(.POST, url, headers: auth,
                                             body: #"{"model": "flux-2-pro-text-to-image", "prompt": "a red mug", "options": {"resolution": "2K", "aspectRatio": "16:9"}}"#)
            #expect(flux.status == 200)
            #expect(await server.counters().submits == 1)
        }
    }

    @Test func insufficientCreditsIsRefusedBeforeAnyTask() async throws {
        try await Harness.run(configure: { $0.accounts = [SimulatorOptions.demoKey: .init(plan: .pro, credits: 5)] }) { server, client in
            await #expect(throws: ServiceError.insufficientCredits(message: "Required: 8, Available: 5")) {
                try await client.submit(Harness.textRequest, spec: gpt)
            }
            #expect(await server.counters().submits == 0)
        }
    }

    @Test func freeAccountsAndOtherUsersTasksAreForbidden() async throws {
        try await Harness.run(configure: { $0.accounts = [SimulatorOptions.demoKey: .init(), "sk-free": .init(plan: .free), "sk-other": .init()] }) { server, client in
            let receipt = try await client.submit(Harness.textRequest, spec: gpt)
            let other = VicSeeClient(configuration: VicSeeConfiguration(baseURL: server.baseURL, apiKey: "sk-other"))
            await #expect(throws: ServiceError.forbidden(code: "FORBIDDEN", message: "This task belongs to another user")) {
                try await other.task(receipt.taskID)
            }
            let free = VicSeeClient(configuration: VicSeeConfiguration(baseURL: server.baseURL, apiKey: "sk-free"))
            await #expect(throws: ServiceError.self) { try await free.credits() }
            await #expect(throws: ServiceError.taskNotFound(id: "", message: "Task not found: task_nope")) {
                try await client.task("task_nope")
            }
        }
    }

    @Test func dailyLimitWithItsHeaders() async throws {
        try await Harness.run(configure: { $0.accounts = [SimulatorOptions.demoKey: .init(plan: .starter)] }) { _, client in
            for _ in 0..<99 { _ = try await client.credits() }
            #expect(client.rateLimit?.limit == 100 && client.rateLimit?.remaining == 1)
            _ = try await client.credits()
            // The 101st request of the day: refused, and not retried since the reset is hours away.
            do {
                _ = try await client.credits()
                Issue.record("the daily limit was not applied")
            } catch ServiceError.rateLimited(let message, let reset) {
                #expect(message.contains("Limit: 100/day"))
                #expect(reset != nil)
            }
        }
    }

    @Test func transientFaultsOnReadsAreRetried() async throws {
        try await Harness.run { server, client in
            for fault in [SimulatorFault.rateLimitBurst(2), .serverErrorBurst(2), .dropReads(2)] {
                await server.inject(fault)
                let credits = try await client.credits()
                #expect(credits == 1000)
            }
            #expect(await server.counters().rejected == 4)
        }
    }

    @Test func aSubmitIsNeverResentWhenItsOutcomeIsUnknown() async throws {
        try await Harness.run { server, client in
            // The connection drops after the task was created: the client must report, not retry.
            await server.inject(.dropSubmits(1))
            do {
                _ = try await client.submit(Harness.textRequest, spec: gpt)
                Issue.record("a dropped submit was reported as a success")
            } catch let error as ServiceError {
                guard case .submitOutcomeUnknown = error else { Issue.record("\(error)"); return }
            }
            // The task exists and its credits are reserved: exactly one submit reached the service.
            var counters = await server.counters()
            #expect(counters.submits == 1)
            #expect(try await client.credits() == 992)
            // A 500 on submit is just as unknown.
            await server.inject(.serverErrorBurst(1))
            let request = GenerationRequest(model: "gpt-image-2-text-to-image", prompt: "another mug")
            do {
                _ = try await client.submit(request, spec: gpt)
                Issue.record("a 500 on submit was reported as a success")
            } catch let error as ServiceError {
                guard case .submitOutcomeUnknown = error else { Issue.record("\(error)"); return }
            }
            counters = await server.counters()
            #expect(counters.submitsPerRequest.values.allSatisfy { $0 == 1 })
        }
    }

    @Test func failedTasksAreRefunded() async throws {
        try await Harness.run(configure: { $0.failureRate = 1 }) { server, client in
            let receipt = try await client.submit(Harness.textRequest, spec: gpt)
            await #expect(throws: ServiceError.taskFailed(id: receipt.taskID, code: "GENERATION_FAILED",
                                                          message: "The generation failed (simulated)")) {
                try await client.waitForCompletion(receipt.taskID)
            }
            let counters = await server.counters()
            #expect(counters.charges == 0 && counters.refunds == 1)
            #expect(try await client.credits() == 1000)
        }
    }

    @Test func theServiceRefusesAndRefundsConstraintViolations() async throws {
        try await Harness.run { server, client in
            // Sent without the client's own validation: 1:1 at 4K.
            let request = GenerationRequest(model: "gpt-image-2-text-to-image", prompt: "x", resolution: .fourK,
                                            aspect: .ratio(AspectRatio(width: 1, height: 1)))
            let receipt = try await client.submit(request, spec: gpt)
            await #expect(throws: ServiceError.self) { try await client.waitForCompletion(receipt.taskID) }
            #expect(await server.counters().refunds == 1)
            #expect(try await client.credits() == 1000)
        }
    }

    @Test func expiredResultURLsFallBackToFreshOnes() async throws {
        try await Harness.run { server, client in
            await server.inject(.expireResultURLs(true))
            let receipt = try await client.submit(Harness.textRequest, spec: gpt)
            let done = try await client.waitForCompletion(receipt.taskID)
            // Both the result URL and the fresh /download URL are expired: the proxy mode still delivers.
            let path = Harness.temporaryDirectory() + "/late.png"
            try await client.download(done, to: path) { _ in }
            #expect(try ImageProbe.probe(path: path).width == 1024)
            let info = try await client.downloadInfo(receipt.taskID)
            #expect(info.url.contains("/files/") && info.expiresAt != nil)
        }
    }

    @Test func truncatedDownloadsAreRefusedAndLeaveNothing() async throws {
        try await Harness.run(configure: { $0.truncateDownloads = true }) { _, client in
            let receipt = try await client.submit(Harness.textRequest, spec: gpt)
            let done = try await client.waitForCompletion(receipt.taskID)
            let directory = Harness.temporaryDirectory()
            await #expect(throws: ServiceError.self) {
                try await client.download(done, to: directory + "/cut.png") { path in
                    _ = try ImageDecoder.decode(path: path)
                }
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
        }
    }

    @Test func wrongSizeOutputsAreReallyWrong() async throws {
        try await Harness.run(configure: { $0.wrongSizeOutputs = true }) { _, client in
            let receipt = try await client.submit(Harness.textRequest, spec: gpt)
            let done = try await client.waitForCompletion(receipt.taskID)
            let path = Harness.temporaryDirectory() + "/small.png"
            try await client.download(done, to: path) { _ in }
            let info = try ImageProbe.probe(path: path)
            #expect(info.width == 921 && info.height == 691)
        }
    }

    @Test func pollingReportsEachUpdateUntilDone() async throws {
        try await Harness.run(configure: { $0.latency = 0.3 }) { _, client in
            let receipt = try await client.submit(Harness.textRequest, spec: gpt)
            let states = StateLog()
            let done = try await client.waitForCompletion(receipt.taskID) { states.add($0.rawStatus) }
            #expect(done.state == .completed)
            #expect(states.values.last == "completed")
            #expect(states.values.allSatisfy { ["pending", "processing", "completed"].contains($0) })
        }
    }
}

final class StateLog: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func add(_ value: String) { lock.lock(); list.append(value); lock.unlock() }
    var values: [String] { lock.lock(); defer { lock.unlock() }; return list }
}
