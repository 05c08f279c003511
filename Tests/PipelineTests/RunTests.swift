import Foundation
import ImageCore
import Simulator
import Testing
import VicSee
@testable import Pipeline

/// Runs against a simulator the test owns (as the "real" service, so the test can read its counters
/// and inject faults), over loopback HTTP.
@Suite struct RunTests {
    static func server(_ configure: (inout SimulatorOptions) -> Void = { _ in }) async throws -> SimulatorServer {
        var options = SimulatorOptions()
        options.latency = 0.05
        options.accounts = [SimulatorOptions.demoKey: .init(plan: .enterprise, credits: 100_000)]
        configure(&options)
        return try await SimulatorServer.start(options: options, catalogue: catalogue)
    }

    static func textPipeline(_ directory: String, items: Int, prompt: String = "A {name} on white") throws -> PipelineSpec {
        let names = (1...items).map { "\"item \($0)\"" }.joined(separator: " ")
        return try parse("""
            pipeline t
            items \(names)
            generate model gpt-image-2-text-to-image prompt "\(prompt)" aspect 1:1 concurrency 3
            verify
            thumbnail size 64
            output \(directory)
            """)
    }

    @Test func aSecondRunDoesNothingAndAChangedPromptRegenerates() async throws {
        let server = try await Self.server()
        let directory = temporaryDirectory()
        let backend = Backend.vicsee(baseURL: server.baseURL, apiKey: SimulatorOptions.demoKey)
        let first = try await PipelineRunner(spec: try Self.textPipeline(directory, items: 3), catalogue: catalogue).run(backend: backend)
        #expect(first.items.allSatisfy { $0.state == "done" })
        #expect(first.creditsSpent == 24)
        let second = try await PipelineRunner(spec: try Self.textPipeline(directory, items: 3), catalogue: catalogue).run(backend: backend)
        #expect(second.items.allSatisfy { $0.state == "done" })
        #expect(second.creditsSpent == 0)
        #expect(await server.counters().submits == 3)
        let changed = try await PipelineRunner(spec: try Self.textPipeline(directory, items: 3, prompt: "A {name} on black"), catalogue: catalogue)
            .run(backend: backend)
        #expect(changed.creditsSpent == 24)
        #expect(await server.counters().submits == 6)
        let report = try #require(FileManager.default.contents(atPath: directory + "/report.json"))
        #expect(String(decoding: report, as: UTF8.self).contains("\"state\" : \"done\""))
        #expect(FileManager.default.fileExists(atPath: directory + "/index.html"))
        await server.stop()
    }

    @Test func maxCreditsStopsSubmitting() async throws {
        let server = try await Self.server()
        var options = RunOptions()
        options.maxCredits = 20
        let summary = try await PipelineRunner(spec: try Self.textPipeline(temporaryDirectory(), items: 4), catalogue: catalogue)
            .run(backend: .vicsee(baseURL: server.baseURL, apiKey: SimulatorOptions.demoKey), options: options)
        #expect(summary.items.filter { $0.state == "done" }.count == 2)
        #expect(summary.items.filter { $0.state == "budget" }.count == 2)
        #expect(await server.counters().creditsCharged == 16)
        await server.stop()
    }

    /// 10 % of tasks fail, 429 and 500 bursts come and go: every item that can be done is done, the
    /// rest are reported with their reason, and nothing is charged twice.
    @Test func failuresAndBurstsStillCompleteWhatTheyCan() async throws {
        let server = try await Self.server { $0.failureRate = 0.1; $0.seed = 7 }
        await server.inject(.rateLimitBurst(3))
        await server.inject(.serverErrorBurst(2))
        let summary = try await PipelineRunner(spec: try Self.textPipeline(temporaryDirectory(), items: 20), catalogue: catalogue)
            .run(backend: .vicsee(baseURL: server.baseURL, apiKey: SimulatorOptions.demoKey))
        let counters = await server.counters()
        let done = summary.items.filter { $0.state == "done" }.count
        #expect(done >= 14)
        #expect(summary.items.allSatisfy { $0.state == "done" || !$0.problems.isEmpty })
        #expect(counters.charges == done)
        #expect(counters.submitsPerRequest.values.allSatisfy { $0 == 1 })
        #expect(counters.submits == counters.charges + counters.refunds)
        await server.stop()
    }

    @Test func verifyCatchesWrongSizesAndTruncation() async throws {
        let server = try await Self.server { $0.wrongSizeOutputs = true }
        let summary = try await PipelineRunner(spec: try Self.textPipeline(temporaryDirectory(), items: 1), catalogue: catalogue)
            .run(backend: .vicsee(baseURL: server.baseURL, apiKey: SimulatorOptions.demoKey))
        #expect(summary.items[0].state == "failed")
        #expect(summary.items[0].problems.first?.contains("921×921 is not the size paid for") == true)
        await server.stop()
    }
}
