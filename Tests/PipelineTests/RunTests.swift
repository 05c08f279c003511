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

    static func backend(_ server: SimulatorServer) -> Backend { .vicsee(baseURL: server.baseURL, apiKey: SimulatorOptions.demoKey) }

    static func textPipeline(_ directory: String, items: Int, prompt: String = "A {name} on white", concurrency: Int = 3,
                             thumbnail: Int = 64, model: String = "gpt-image-2-text-to-image") throws -> PipelineSpec {
        let names = (1...items).map { "\"item \($0)\"" }.joined(separator: " ")
        return try parse("""
            pipeline t
            items \(names)
            generate model \(model) prompt "\(prompt)" aspect 1:1 concurrency \(concurrency)
            verify
            thumbnail size \(thumbnail)
            output \(directory)
            """)
    }

    static func run(_ spec: PipelineSpec, _ server: SimulatorServer, _ configure: (inout RunOptions) -> Void = { _ in }) async throws -> RunSummary {
        var options = RunOptions()
        configure(&options)
        return try await PipelineRunner(spec: spec, catalogue: catalogue).run(backend: backend(server), options: options)
    }

    static func report(_ directory: String) throws -> [String: Any] {
        let data = try #require(FileManager.default.contents(atPath: directory + "/report.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func aSecondRunDoesNothingAndAChangedPromptRegenerates() async throws {
        let server = try await Self.server()
        let directory = temporaryDirectory()
        let first = try await Self.run(try Self.textPipeline(directory, items: 3), server)
        #expect(first.items.allSatisfy { $0.state == .done })
        #expect(first.creditsCommitted == 24)
        let second = try await Self.run(try Self.textPipeline(directory, items: 3), server)
        #expect(second.items.allSatisfy { $0.state == .done })
        #expect(second.creditsCommitted == 0)
        #expect(await server.counters().submits == 3)
        let changed = try await Self.run(try Self.textPipeline(directory, items: 3, prompt: "A {name} on black"), server)
        #expect(changed.creditsCommitted == 24)
        #expect(await server.counters().submits == 6)
        let metadata = try ImageMetadata.read(path: try #require(first.items[0].output))
        #expect(metadata.digitalSourceType?.type == .trainedAlgorithmicMedia)
        let report = try Self.report(directory)
        #expect(report["schema"] as? Int == 2)
        #expect((report["counts"] as? [String: Int]) == ["done": 3])
        #expect(FileManager.default.fileExists(atPath: directory + "/index.html"))
        await server.stop()
    }

    @Test func maxCreditsStopsSubmitting() async throws {
        let server = try await Self.server()
        let summary = try await Self.run(try Self.textPipeline(temporaryDirectory(), items: 4), server) { $0.maxCredits = 20 }
        #expect(summary.items.filter { $0.state == .done }.count == 2)
        #expect(summary.items.filter { $0.state == .budget }.count == 2)
        #expect(summary.items.first { $0.state == .budget }?.problems.first?.kind == .budget)
        #expect(await server.counters().creditsCharged == 16)
        await server.stop()
    }

    /// A submit whose answer was lost may have been charged: it counts against --max-credits (issue 9.1).
    @Test func unknownSubmitsCountAgainstTheBudget() async throws {
        let server = try await Self.server()
        await server.inject(.dropSubmits(2))
        let summary = try await Self.run(try Self.textPipeline(temporaryDirectory(), items: 4, concurrency: 1), server) { $0.maxCredits = 16 }
        #expect(summary.items.map(\.state) == [.unknown, .unknown, .budget, .budget])
        #expect(summary.creditsCommitted == 16)
        #expect(await server.counters().submits == 2)
        await server.stop()
    }

    /// Publishing that fails gives its reservation back: the failures do not use up --max-credits.
    @Test func failedPublishesReleaseTheirCredits() async throws {
        let server = try await Self.server()
        let directory = temporaryDirectory()
        for name in ["a", "b", "c"] { try ImageEncoder.write(picture(300, 200), to: "\(directory)/\(name).jpg") }
        let spec = try parse("""
            input \(directory)/*.jpg
            publish s3 bucket refs endpoint http://127.0.0.1:1
            generate model gpt-image-2-image-to-image prompt "on marble"
            output \(directory)/out
            """)
        let summary = try await Self.run(spec, server) { $0.maxCredits = 8 }
        #expect(summary.items.map(\.state) == [.failed, .failed, .failed])
        #expect(summary.items.allSatisfy { $0.problems.first?.kind == .reference })
        #expect(summary.creditsCommitted == 0)
        #expect(await server.counters().submits == 0)
        await server.stop()
    }

    /// 10 % of tasks fail, 429 and 500 bursts come and go: every item that can be done is done, the
    /// rest are reported with their reason, and nothing is charged twice.
    @Test func failuresAndBurstsStillCompleteWhatTheyCan() async throws {
        let server = try await Self.server { $0.failureRate = 0.1; $0.seed = 7 }
        await server.inject(.rateLimitBurst(3))
        await server.inject(.serverErrorBurst(2))
        let summary = try await Self.run(try Self.textPipeline(temporaryDirectory(), items: 20), server)
        let counters = await server.counters()
        let done = summary.items.filter { $0.state == .done }.count
        #expect(done >= 14)
        #expect(summary.items.allSatisfy { $0.state == .done || !$0.problems.isEmpty })
        #expect(counters.charges == done)
        #expect(counters.submitsPerRequest.values.allSatisfy { $0 == 1 })
        #expect(counters.submits == counters.charges + counters.refunds)
        // A submit answered with a 500 may have made a task: it counts as spent.
        #expect(summary.creditsCommitted == counters.creditsCharged + 8 * summary.items.filter { $0.state == .unknown }.count)
        await server.stop()
    }

    /// A wrong size is rejected, and the verdict is the same after a re-run: it lives in the journal.
    @Test func verdictsSurviveAReRun() async throws {
        let server = try await Self.server { $0.wrongSizeOutputs = true }
        let directory = temporaryDirectory()
        // A published size (Nano Banana Pro's), checked exactly: GPT Image 2's reported sizes are checked by ratio and band.
        let nanoBanana = "nano-banana-pro-text-to-image"
        let summary = try await Self.run(try Self.textPipeline(directory, items: 1, model: nanoBanana), server)
        #expect(summary.items[0].state == .rejected)
        #expect(summary.items[0].verified == false)
        #expect(summary.items[0].problems.first?.reason.contains("921×921 is not the size paid for") == true)
        let again = try await Self.run(try Self.textPipeline(directory, items: 1, model: nanoBanana), server)
        #expect(again.items == summary.items)
        let item = try #require((try Self.report(directory)["items"] as? [[String: Any]])?.first)
        #expect(item["state"] as? String == "rejected" && item["verified"] as? Bool == false)
        #expect(item["width"] as? Int == 921)
        #expect(await server.counters().submits == 1)
        await server.stop()
    }

    /// A deleted output and a changed one are downloaded again from the task, never paid for again.
    @Test func deletedOrChangedOutputsAreDownloadedAgain() async throws {
        let server = try await Self.server()
        let directory = temporaryDirectory()
        let first = try await Self.run(try Self.textPipeline(directory, items: 2), server)
        let deleted = try #require(first.items[0].output), changed = try #require(first.items[1].output)
        let original = try #require(FileManager.default.contents(atPath: changed))
        try FileManager.default.removeItem(atPath: deleted)
        try Data("not the output".utf8).write(to: URL(fileURLWithPath: changed))
        let second = try await Self.run(try Self.textPipeline(directory, items: 2), server)
        #expect(second.items.map(\.state) == [.done, .done])
        #expect(FileManager.default.fileExists(atPath: deleted))
        #expect(FileManager.default.contents(atPath: changed) == original)
        #expect(await server.counters().submits == 2)
        await server.stop()
    }

    /// Thumbnail settings do not shape the item: changing them remakes thumbnails, never generations.
    @Test func changedThumbnailSettingsRemakeOnlyThumbnails() async throws {
        let server = try await Self.server()
        let directory = temporaryDirectory()
        let first = try await Self.run(try Self.textPipeline(directory, items: 2, thumbnail: 64), server)
        let thumbnail = try #require(first.items[0].thumbnail)
        #expect(try ImageProbe.probe(path: thumbnail).width == 64)
        _ = try await Self.run(try Self.textPipeline(directory, items: 2, thumbnail: 32), server)
        #expect(try ImageProbe.probe(path: thumbnail).width == 32)
        #expect(await server.counters().submits == 2)
        await server.stop()
    }

    /// Names from users become file names inside the output folder, whatever they hold.
    @Test func itemNamesStayInsideTheOutputFolder() async throws {
        let server = try await Self.server()
        let root = temporaryDirectory()
        let directory = root + "/out"
        let spec = try parse("""
            items "../escaped" "sub/dir" "\(String(repeating: "long ", count: 60))"
            generate model gpt-image-2-text-to-image prompt "A {name}" aspect 1:1
            output \(directory)
            """)
        let summary = try await Self.run(spec, server)
        #expect(summary.items.allSatisfy { $0.state == .done })
        #expect(try FileManager.default.contentsOfDirectory(atPath: root) == ["out"])
        for item in summary.items {
            let output = try #require(item.output)
            #expect((output as NSString).deletingLastPathComponent == directory)
        }
        await server.stop()
    }

    /// Identical inputs are two items: each is generated and saved under its own name.
    @Test func identicalInputsAreTwoItems() async throws {
        let server = try await Self.server()
        let directory = temporaryDirectory()
        for folder in ["a", "b"] {
            try FileManager.default.createDirectory(atPath: "\(directory)/\(folder)", withIntermediateDirectories: true)
            try ImageEncoder.write(picture(300, 200), to: "\(directory)/\(folder)/p.jpg")
        }
        let spec = try parse("""
            input \(directory)/
            generate model gpt-image-2-image-to-image prompt "on marble"
            output \(directory)/out
            """)
        let summary = try await Self.run(spec, server)
        #expect(summary.items.map(\.name) == ["a/p", "b/p"])
        #expect(Set(summary.items.compactMap(\.output)).count == 2)
        #expect(await server.counters().submits == 2)
        await server.stop()
    }

    /// A run with nothing to send does no image work: the derived copies are not made again. Partial
    /// files a killed run left are cleared.
    @Test func aRunWithNothingToSendDoesNoImageWork() async throws {
        let server = try await Self.server()
        let directory = temporaryDirectory()
        try ImageEncoder.write(picture(400, 250), to: directory + "/wide.jpg")
        let spec = try parse("""
            input \(directory)/wide.jpg
            check oversize shrink max-pixels 50000
            aspect crop
            generate model gpt-image-2-image-to-image prompt "on marble"
            output \(directory)/out
            """)
        let first = try await Self.run(spec, server)
        #expect(first.items[0].state == .done && first.items[0].ratio == "3:2")
        let work = directory + "/out/.work"
        let made = try FileManager.default.contentsOfDirectory(atPath: work).sorted()
        #expect(made.count == 2)
        try FileManager.default.removeItem(atPath: work)
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: work + "/.x.png.tmp-AbC123", contents: Data("partial".utf8))
        FileManager.default.createFile(atPath: directory + "/out/.report.json.tmp-XyZ789", contents: Data("partial".utf8))
        _ = try await Self.run(spec, server)
        #expect(try FileManager.default.contentsOfDirectory(atPath: work).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: directory + "/out/.report.json.tmp-XyZ789"))
        #expect(await server.counters().submits == 1)
        await server.stop()
    }

    /// `publish base-url` keeps the folders below the pattern's folder, so same-named files stay apart.
    @Test func baseURLsKeepFolders() async throws {
        let session = try await GenerationSession.open(backend: .vicsee(baseURL: "https://vicsee.invalid/api/v1", apiKey: "sk-x"),
                                                       catalogue: catalogue)
        let directory = temporaryDirectory()
        try ImageEncoder.write(picture(30, 20), to: directory + "/p.jpg")
        let publisher = ReferencePublisher(way: .baseURL("https://cdn.example.com/refs"), session: session, journal: nil)
        let a = try await publisher.publish(directory + "/p.jpg", original: true, relativePath: "a/p.jpg")
        let b = try await publisher.publish(directory + "/p.jpg", original: true, relativePath: "b b/p.jpg")
        #expect(a.url == "https://cdn.example.com/refs/a/p.jpg" && b.url == "https://cdn.example.com/refs/b%20b/p.jpg")
        await #expect(throws: PublishError.derivedCopyNotHosted(path: directory + "/p.jpg")) {
            try await publisher.publish(directory + "/p.jpg", original: false, relativePath: "a/p.jpg")
        }
        await session.close()
    }

    /// One run per output folder: a second one is refused at once and sends nothing.
    @Test func aSecondRunOnTheSameFolderIsRefused() async throws {
        let server = try await Self.server { $0.submitHold = 1 }
        let directory = temporaryDirectory()
        let first = Task { try await Self.run(try Self.textPipeline(directory, items: 2, concurrency: 1), server) }
        while await server.counters().submits == 0 { try await Task.sleep(for: .milliseconds(20)) }
        await #expect(throws: RunError.self) { _ = try await Self.run(try Self.textPipeline(directory, items: 2), server) }
        do {
            _ = try await Self.run(try Self.textPipeline(directory, items: 2), server)
        } catch {
            guard case RunError.locked(.inUse(_, let holder)) = error else { Issue.record("\(error)"); return }
            #expect(holder.hasPrefix("pid \(getpid()), since "))
        }
        #expect(try await first.value.items.allSatisfy { $0.state == .done })
        #expect(await server.counters().submits == 2)
        await server.stop()
    }

    /// Stopping (as Ctrl-C does) lets a submit in flight get its task id recorded; the next run polls
    /// that task and pays nothing more.
    @Test func anInterruptSettlesSubmitsInFlight() async throws {
        let server = try await Self.server { $0.submitHold = 1 }
        let directory = temporaryDirectory()
        let runner = PipelineRunner(spec: try Self.textPipeline(directory, items: 3, concurrency: 1), catalogue: catalogue)
        let running = Task { try await runner.run(backend: Self.backend(server)) }
        while await server.counters().submits == 0 { try await Task.sleep(for: .milliseconds(20)) }
        runner.stop()
        let interrupted = try await running.value
        #expect(interrupted.stop == .interrupted)
        #expect(interrupted.items.map(\.state) == [.submitted, .pending, .pending])
        let resumed = try await Self.run(try Self.textPipeline(directory, items: 3), server)
        #expect(resumed.items.allSatisfy { $0.state == .done })
        #expect(await server.counters().submits == 3)
        await server.stop()
    }

    /// A task the service no longer has is reported as lost with the way out; the flag sends it again.
    @Test func aLostTaskIsReportedWithAWayOut() async throws {
        let first = try await Self.server { $0.latency = 30 }
        let directory = temporaryDirectory()
        let runner = PipelineRunner(spec: try Self.textPipeline(directory, items: 1), catalogue: catalogue)
        let running = Task { try await runner.run(backend: Self.backend(first)) }
        while await first.counters().submits == 0 { try await Task.sleep(for: .milliseconds(20)) }
        runner.stop()
        #expect(try await running.value.items[0].state == .submitted)
        await first.stop()
        let second = try await Self.server()
        let lost = try await Self.run(try Self.textPipeline(directory, items: 1), second)
        #expect(lost.items[0].state == .lost)
        #expect(lost.items[0].problems.first?.kind == .taskLost)
        #expect(lost.items[0].problems.first?.reason.contains("--resubmit-lost") == true)
        let again = try await Self.run(try Self.textPipeline(directory, items: 1), second)
        #expect(again.items[0].state == .lost)
        #expect(await second.counters().submits == 0)
        let resubmitted = try await Self.run(try Self.textPipeline(directory, items: 1), second) { $0.resubmitLost = true }
        #expect(resubmitted.items[0].state == .done)
        #expect(await second.counters().submits == 1)
        await second.stop()
    }

    /// The default backend keeps its tasks in the output folder: stopped after submitting and started
    /// again, the run polls the same tasks and nothing is charged twice.
    @Test func theDefaultBackendResumesItsTasks() async throws {
        let directory = temporaryDirectory()
        var options = SimulatorOptions()
        options.latency = 3
        options.accounts = [SimulatorOptions.demoKey: .init(plan: .enterprise, credits: 1000)]
        let runner = PipelineRunner(spec: try Self.textPipeline(directory, items: 2, concurrency: 2), catalogue: catalogue)
        let slow = options
        let running = Task { try await runner.run(backend: .simulator(slow)) }
        let log = directory + "/.simulator/events.jsonl"
        while (try? String(contentsOfFile: log, encoding: .utf8))?.components(separatedBy: "\"created\"").count ?? 0 < 3 {
            try await Task.sleep(for: .milliseconds(20))
        }
        runner.stop()
        #expect(try await running.value.items.map(\.state) == [.submitted, .submitted])
        options.latency = 0.05
        let resumed = try await PipelineRunner(spec: try Self.textPipeline(directory, items: 2), catalogue: catalogue)
            .run(backend: .simulator(options))
        #expect(resumed.items.allSatisfy { $0.state == .done && $0.simulated })
        let events = try String(contentsOfFile: log, encoding: .utf8)
        #expect(events.components(separatedBy: "\"created\"").count - 1 == 2)
        #expect(resumed.creditsCommitted == 0)
    }
}
