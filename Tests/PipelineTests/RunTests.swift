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

    static func textPipeline(_ directory: String, items: Int, prompt: String = "A {name} on white",
                             model: String = "gpt-image-2-text-to-image") throws -> PipelineSpec {
        let names = (1...items).map { "\"item \($0)\"" }.joined(separator: " ")
        return try parse("""
            pipeline t
            items \(names)
            generate model \(model) prompt "\(prompt)" aspect 1:1 concurrency 3
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
        // A published size (Nano Banana Pro's), checked exactly: GPT Image 2's reported sizes are checked by ratio and band.
        let spec = try Self.textPipeline(temporaryDirectory(), items: 1, model: "nano-banana-pro-text-to-image")
        let summary = try await PipelineRunner(spec: spec, catalogue: catalogue)
            .run(backend: .vicsee(baseURL: server.baseURL, apiKey: SimulatorOptions.demoKey))
        #expect(summary.items[0].state == "failed")
        #expect(summary.items[0].problems.first?.contains("921×921 is not the size paid for") == true)
        await server.stop()
    }
}

/// Publishing references to S3-compatible storage, against a real local S3 server (moto).
@Suite struct S3PublishingTests {
    static var motoAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/root/.pyenv/shims/moto_server") || which("moto_server") != nil }

    static func which(_ tool: String) -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(directory)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    static func freePort() -> Int { Int.random(in: 20_000...40_000) }

    @Test(.enabled(if: motoAvailable || ProcessInfo.processInfo.environment["CI"] != nil, "moto_server is not installed (pip install 'moto[server]')"))
    func imageToImageThroughPresignedURLs() async throws {
        let port = Self.freePort()
        // moto's server in one Python process (moto_server's reloader would leave a child behind).
        let moto = Process()
        moto.executableURL = URL(fileURLWithPath: try #require(Self.which("python3")))
        moto.arguments = ["-c", """
            import time
            from moto.server import ThreadedMotoServer
            ThreadedMotoServer(ip_address="127.0.0.1", port=\(port)).start()
            time.sleep(600)
            """]
        moto.standardOutput = FileHandle.nullDevice
        moto.standardError = FileHandle.nullDevice
        try moto.run()
        // moto's server ignores SIGTERM.
        defer { kill(moto.processIdentifier, SIGKILL) }
        let endpoint = "http://127.0.0.1:\(port)"
        let target = S3Target(endpoint: endpoint, bucket: "refs")
        let publisher = S3Publisher(target: target, credentials: S3Credentials(accessKey: "testing", secretKey: "testing"))
        var ready = false
        for _ in 0..<100 where !ready {
            do {
                try await publisher.createBucket()
                ready = true
            } catch {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        #expect(ready)
        let directory = temporaryDirectory()
        try ImageEncoder.write(picture(600, 400), to: directory + "/shoe.jpg")
        let url = try await publisher.publish(directory + "/shoe.jpg")
        #expect(url.hasPrefix(endpoint + "/refs/imagepipe/") && url.contains("X-Amz-Signature="))
        let server = try await RunTests.server()
        setenv("AWS_ACCESS_KEY_ID", "testing", 1)
        setenv("AWS_SECRET_ACCESS_KEY", "testing", 1)
        let spec = try parse("""
            input \(directory)/shoe.jpg
            publish s3 bucket refs endpoint \(endpoint)
            generate model gpt-image-2-image-to-image prompt "on marble"
            verify
            output \(directory)/out
            """)
        let summary = try await PipelineRunner(spec: spec, catalogue: catalogue)
            .run(backend: .vicsee(baseURL: server.baseURL, apiKey: SimulatorOptions.demoKey))
        #expect(summary.items.first?.state == "done", "\(summary.items.first?.problems ?? [])")
        #expect(summary.items.first?.ratio == "3:2")
        await server.stop()
    }
}
