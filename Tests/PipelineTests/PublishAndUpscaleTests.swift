import Foundation
import ImageCore
import Marketplace
import Simulator
import Testing
import VicSee
@testable import Pipeline

/// Issue 11 in a pipeline, against a simulator the test owns over loopback HTTP: references published by
/// the service's own upload and inline, uploads reused while valid, the service's reference limits in
/// `check` with their fixes, the upscale step, and the daily request limit.
@Suite struct PublishAndUpscaleTests {
    static func inputs(_ names: [String], width: Int = 300, height: Int = 200) throws -> String {
        let directory = temporaryDirectory()
        for (index, name) in names.enumerated() {
            try ImageEncoder.write(picture(width + index, height), to: "\(directory)/\(name).jpg")
        }
        return directory
    }

    static func imageToImage(_ directory: String, publish: String, output: String = "out") throws -> PipelineSpec {
        try parse("""
            input \(directory)/*.jpg
            publish \(publish)
            generate model gpt-image-2-image-to-image prompt "{name} on marble"
            verify
            output \(directory)/\(output)
            """)
    }

    @Test func referencesPublishedByUploadAndInline() async throws {
        let server = try await RunTests.server()
        let directory = try Self.inputs(["mug", "vase"])
        let uploaded = try await RunTests.run(try Self.imageToImage(directory, publish: "upload"), server)
        #expect(uploaded.items.map(\.state) == [.done, .done])
        var counters = await server.counters()
        #expect(counters.uploadsSigned == 2 && counters.uploadsStored == 2 && counters.charges == 2)
        let journal = try Journal(path: directory + "/out/journal.sqlite")
        #expect(journal.requestLimits.first?.service == server.baseURL)
        let inline = try await RunTests.run(try Self.imageToImage(directory, publish: "inline", output: "inline"), server)
        #expect(inline.items.map(\.state) == [.done, .done])
        counters = await server.counters()
        #expect(counters.uploadsSigned == 2 && counters.charges == 4)
        await server.stop()
    }

    /// Too large to send inline: refused before anything is spent, naming the way that works.
    @Test func inlineRefusesLargeReferencesWithTheWayOut() async throws {
        let server = try await RunTests.server()
        let directory = temporaryDirectory()
        var noise = [UInt8](repeating: 0, count: 1200 * 1000 * 3)
        var seed: UInt64 = 7
        for index in noise.indices {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            noise[index] = UInt8(truncatingIfNeeded: seed >> 56)
        }
        try ImageEncoder.write(PixelBuffer(width: 1200, height: 1000, layout: .rgb, pixels: noise), to: directory + "/noise.png")
        let spec = try parse("""
            input \(directory)/noise.png
            publish inline
            generate model gpt-image-2-image-to-image prompt "calmer"
            output \(directory)/out
            """)
        let summary = try await RunTests.run(spec, server) { $0.maxCredits = 8 }
        #expect(summary.items[0].state == .failed && summary.items[0].problems.first?.kind == .reference)
        #expect(summary.items[0].problems.first?.reason.contains("too large to send inline (at most 3000000); use 'publish upload'") == true)
        #expect(summary.creditsCommitted == 0)
        #expect(await server.counters().submits == 0)
        await server.stop()
    }

    /// Every task of the first run fails (refunded) after its references were uploaded. The second run
    /// reuses the upload still valid and uploads again the one whose validity ran out; nothing is
    /// charged twice.
    @Test func aResumedRunReusesValidUploadsAndRedoesExpiredOnes() async throws {
        let server = try await RunTests.server { $0.failureRate = 1 }
        let directory = try Self.inputs(["mug", "vase"])
        let spec = try Self.imageToImage(directory, publish: "upload")
        let first = try await RunTests.run(spec, server)
        #expect(first.items.map(\.state) == [.failed, .failed])
        #expect(await server.counters().uploadsSigned == 2)
        let journal = try Journal(path: directory + "/out/journal.sqlite")
        let vase = try #require(OutputFile.checksum(directory + "/vase.jpg"))
        var expired = try #require(journal.upload(content: vase, service: server.baseURL))
        expired.expiresAt = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-60))
        try journal.recordUpload(expired)
        await server.setFailureRate(0)
        let second = try await RunTests.run(spec, server)
        #expect(second.items.map(\.state) == [.done, .done])
        let counters = await server.counters()
        #expect(counters.uploadsSigned == 3 && counters.uploadsStored == 3)
        #expect(counters.refunds == 2 && counters.charges == 2 && counters.creditsCharged == 16)
        #expect(second.creditsCommitted == 16)
        await server.stop()
    }

    /// A 3:1 panorama is outside the service's 0.4–2.5: `check` refuses it before anything is spent and
    /// names the fix; with `aspect crop` it is accepted, since the crop brings it to 21:9.
    @Test func aPanoramaIsRefusedWithItsFixThenAcceptedWithAspectCrop() async throws {
        let server = try await RunTests.server()
        let directory = temporaryDirectory()
        try ImageEncoder.write(picture(900, 300), to: directory + "/pano.jpg")
        func spec(_ aspect: String) throws -> PipelineSpec {
            try parse("""
                input \(directory)/pano.jpg
                \(aspect)
                generate model gpt-image-2-image-to-image prompt "a shop banner"
                verify
                output \(directory)/out
                """)
        }
        let refused = PipelineRunner(spec: try spec(""), catalogue: catalogue).plan()
        let problem = try #require(refused.items[0].problems.first)
        #expect(problem.kind == .ratio)
        #expect(problem.reason == "900×300 has a width ÷ height of 3; the service takes 0.4–2.5 (wide strips such as 3:1 are refused): 'aspect crop' or 'aspect pad' brings it to 21:9")
        #expect(refused.totalCredits == 0)
        let failed = try await RunTests.run(try spec(""), server)
        #expect(failed.items[0].state == .failed && failed.items[0].problems.first?.kind == .ratio)
        #expect(await server.counters().submits == 0)

        let cropped = try spec("aspect crop")
        #expect(PipelineRunner(spec: cropped, catalogue: catalogue).plan().items[0].problems.isEmpty)
        let accepted = try await RunTests.run(cropped, server)
        #expect(accepted.items[0].state == .done && accepted.items[0].ratio == "21:9")
        let counters = await server.counters()
        #expect(counters.charges == 1 && counters.refunds == 0)
        await server.stop()
    }

    /// A reference over the service's 36 MP is oversize by the model's limit: fixed by `oversize shrink`.
    @Test func theServicesMegapixelLimitIsCheckedWithItsFix() throws {
        let directory = temporaryDirectory()
        let grey = PixelBuffer(width: 6100, height: 6000, layout: .grey, pixels: [UInt8](repeating: 99, count: 6100 * 6000))
        try ImageEncoder.write(grey, to: directory + "/poster.png", options: EncodeOptions(compressionLevel: 1))
        let spec = try parse("""
            input \(directory)/poster.png
            generate model gpt-image-2-image-to-image prompt "a poster" aspect 1:1
            output \(directory)/out
            """)
        let plan = PipelineRunner(spec: spec, catalogue: catalogue).plan()
        #expect(plan.items[0].problems.first?.kind == .oversize)
        #expect(plan.items[0].problems.first?.reason == "6100×6000 is 36600000 pixels; the limit is 36000000 (the service's) (check oversize shrink makes a smaller copy)")
    }

    /// `upscale to 4000` after a 1K generation: ×4 (1024×768 → 4096×3072, 12.6 MP, 20 credits), counted
    /// by plan, journaled, verified at exactly four times the output, and not paid again by a second run.
    /// The fitted copy is made from the upscaled picture, not the smaller output.
    @Test func upscaleToAfterA1KGeneration() async throws {
        let server = try await RunTests.server()
        let directory = temporaryDirectory()
        let spec = try parse("""
            items "mug"
            generate model gpt-image-2-text-to-image prompt "A {name} on white" aspect 4:3
            verify
            upscale to 4000
            fit format jpeg
            thumbnail size 64
            output \(directory)
            """)
        let plan = PipelineRunner(spec: spec, catalogue: catalogue).plan()
        #expect(plan.items[0].upscale == UpscaleDecision(factor: 4, output: PixelSize(width: 4096, height: 3072), credits: 20))
        #expect(plan.totalCredits == 28)
        let summary = try await RunTests.run(spec, server)
        let item = summary.items[0]
        #expect(item.state == .done)
        #expect(item.upscale?.state == .done && item.upscale?.factor == 4 && item.upscale?.credits == 20 && item.upscale?.verified == true)
        // The simulator's answers say what it is, so its files are named as simulated (see SheetTests).
        #expect(item.output == directory + "/SIMULATED-mug@4x.png" && item.width == 4096 && item.height == 3072)
        #expect(try ImageProbe.probe(path: directory + "/SIMULATED-mug@4x.png").width == 4096)
        #expect(summary.creditsCommitted == 28)
        var counters = await server.counters()
        #expect(counters.creditsCharged == 28 && counters.upscales == 1)
        let thumbnail = try ImageProbe.probe(path: try #require(item.thumbnail))
        #expect(thumbnail.width == 64 && thumbnail.height == 48)
        let copies = try FileManager.default.contentsOfDirectory(atPath: directory + "/fit")
        #expect(copies == ["SIMULATED-mug.jpg"], "named after the output, upscaled or not")
        let fitted = try ImageProbe.probe(path: directory + "/fit/" + (copies.first ?? ""))
        #expect(fitted.format == .jpeg && fitted.width == 4096 && fitted.height == 3072, "\(copies)")
        let again = try await RunTests.run(spec, server)
        #expect(again.items == summary.items && again.creditsCommitted == 0)
        counters = await server.counters()
        #expect(counters.submits == 2)
        // The upscaled file deleted: downloaded again from its task, not paid again.
        try FileManager.default.removeItem(atPath: directory + "/SIMULATED-mug@4x.png")
        let restored = try await RunTests.run(spec, server)
        #expect(restored.items[0].state == .done && FileManager.default.fileExists(atPath: directory + "/SIMULATED-mug@4x.png"))
        #expect(await server.counters().submits == 2)
        await server.stop()
    }

    /// Without fit, the presets judge the item's final file: the upscaled output, not the smaller one.
    @Test func presetsJudgeTheUpscaledOutput() async throws {
        let server = try await RunTests.server()
        let directory = temporaryDirectory()
        let spec = try parse("""
            items "mug"
            generate model gpt-image-2-text-to-image prompt "A {name} on white" aspect 1:1
            verify preset amazon-main
            upscale factor 2
            output \(directory)
            """)
        let summary = try await RunTests.run(spec, server)
        let item = summary.items[0]
        #expect(item.upscale?.state == .done, "\(item.problems)")
        let upscaled = try #require(item.upscale?.output)
        #expect(upscaled.hasSuffix("@2x.png"))
        #expect(item.presets.map(\.path) == [upscaled])
        await server.stop()
    }

    /// An item a preset rejects for its upscaled file (too large for the shop) is not stuck: with the
    /// upscale changed so that none is needed, the next run drops it and the output passes.
    @Test func anItemRejectedForItsUpscaleIsUpscaledAgainWhenTheUpscaleChanges() async throws {
        let server = try await RunTests.server()
        let directory = temporaryDirectory()
        let presetFile = directory + "-presets.json"
        try """
            {"presets": [{"name": "small-shop", "title": "A shop taking at most 1500 px", "rules": [
              {"id": "max-side", "kind": "max-size", "width": 1500, "height": 1500, "severity": "required",
               "source": "test", "checked": "2026-11-27", "evidence": "assumed", "note": "at most 1500 px"}]}]}
            """.write(toFile: presetFile, atomically: true, encoding: .utf8)
        let presets = try PresetCatalogue.load(overridePath: presetFile)
        func spec(_ upscale: String) throws -> PipelineSpec {
            try PipelineParser(file: "shop.pipe", catalogue: catalogue, presets: presets).parse("""
                items "mug"
                generate model gpt-image-2-text-to-image prompt "A {name} on white" aspect 1:1
                verify preset small-shop
                \(upscale)
                output \(directory)
                """)
        }
        func run(_ spec: PipelineSpec) async throws -> ItemReport {
            try await PipelineRunner(spec: spec, catalogue: catalogue, presets: presets).run(backend: RunTests.backend(server)).items[0]
        }
        let doubled = try await run(try spec("upscale factor 2"))
        #expect(doubled.state == .rejected && doubled.upscale?.state == .done, "\(doubled.problems)")
        #expect(doubled.presets.first?.passed == false)
        let enough = try await run(try spec("upscale to 1000"))
        #expect(enough.state == .done && enough.upscale == nil, "\(enough.problems)")
        #expect(enough.presets.first?.passed == true && enough.width == 1024)
        #expect(await server.counters().upscales == 1)
        await server.stop()
    }

    /// An upscale the tool cannot make is named at plan, before anything is spent.
    @Test func anUpscaleOutOfReachIsRefusedAtPlan() throws {
        let spec = try parse("""
            items "mug"
            generate model gpt-image-2-text-to-image prompt "A {name}" aspect 1:1
            upscale to 5000
            """)
        let plan = PipelineRunner(spec: spec, catalogue: catalogue).plan()
        #expect(plan.items[0].problems.first?.kind == .upscale)
        #expect(plan.items[0].problems.first?.reason.contains("1024×1024 reaches at most 4096 px on its long side (×4), short of 5000") == true)
        #expect(diagnostic("items a\ngenerate model gpt-image-2-text-to-image prompt x\nupscale factor 8")?.message
            == "the upscale offers factors 1, 2, 4, not 8")
    }

    /// With few requests left today a task is not submitted (its polls would not fit); the one sent is
    /// collected. Plan says the batch needs more than remain, from the count the journal kept.
    @Test func fewRequestsLeftHoldSubmitsBack() async throws {
        let server = try await RunTests.server { $0.accounts = [SimulatorOptions.demoKey: .init(plan: .starter, credits: 1000)] }
        let client = VicSeeClient(configuration: VicSeeConfiguration(baseURL: server.baseURL, apiKey: SimulatorOptions.demoKey))
        for _ in 0..<96 { _ = try await client.credits() }
        let directory = temporaryDirectory()
        let spec = try RunTests.textPipeline(directory, items: 3, concurrency: 1)
        let summary = try await RunTests.run(spec, server)
        #expect(summary.items[0].state == .done)
        #expect(summary.items.dropFirst().allSatisfy { $0.state == .budget && $0.problems.first?.kind == .requests })
        #expect(await server.counters().submits == 1)
        let plan = PipelineRunner(spec: try RunTests.textPipeline(directory, items: 5, concurrency: 1), catalogue: catalogue).plan()
        let requests = try #require(plan.requests)
        #expect(requests.submits == 4 && requests.fromHistory)
        #expect(try #require(requests.remainingToday()) < requests.total)
        #expect(requests.lastKnown?.limit == 100)
        await server.stop()
    }
}
