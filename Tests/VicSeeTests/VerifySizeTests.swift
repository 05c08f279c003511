import Foundation
import ImageCore
import Pipeline
import Simulator
import Testing
import VicSee

/// Sizes end to end: the simulator draws the catalogue's sizes (and downgrades when told to), `Verifier`
/// judges them, and only real outputs — here, images the test makes itself — feed the observed sizes.
@Suite struct VerifySizeTests {
    let catalogue = Harness.catalogue

    /// Generates through the real client and simulator over HTTP and returns the downloaded file.
    static func generate(_ client: VicSeeClient, model: String, tier: ResolutionTier, aspect: String, into directory: String,
                         references: [String] = []) async throws -> String {
        let request = GenerationRequest(model: model, prompt: "a \(aspect) test card", imageURLs: references, resolution: tier,
                                        aspect: AspectChoice(aspect)!)
        let receipt = try await client.submit(request, spec: Harness.catalogue.model(model)!)
        let done = try await client.waitForCompletion(receipt.taskID)
        let path = "\(directory)/\(model)-\(tier.rawValue)-\(aspect.replacingOccurrences(of: ":", with: "x")).png"
        try await client.download(done, to: path) { _ in }
        return path
    }

    static func temporaryStore() -> ObservedSizeStore {
        ObservedSizeStore(path: NSTemporaryDirectory() + "observed-\(UUID().uuidString)/observed-sizes.json")
    }

    /// A picture that is not blank, of any size, made by the test (so not labelled as simulated).
    static func writePicture(_ width: Int, _ height: Int, to path: String, flat: Bool = false) throws {
        var pixels = [UInt8](repeating: 40, count: width * height * 3)
        if !flat { for index in stride(from: 0, to: pixels.count, by: 3) { pixels[index] = UInt8((index / 3) % width % 256) } }
        try ImageEncoder.write(PixelBuffer(width: width, height: height, layout: .rgb, pixels: pixels), to: path)
    }

    /// Every published Nano Banana Pro size, drawn by the simulator and verified exactly (text-to-image for
    /// all 30; image-to-image shares the table and is checked at 1K, its reference fitted to each ratio).
    /// Two generations at a time, as the machine has two cores.
    @Test(.timeLimit(.minutes(5))) func everyPublishedNanoBananaProSizeIsDrawnAndVerifiedExactly() async throws {
        try await Harness.run { _, client in
            let directory = Harness.temporaryDirectory()
            let store = Self.temporaryStore()
            let model = try #require(catalogue.model("nano-banana-pro-text-to-image"))
            var jobs = publishedNanoBananaProSizes.flatMap { ratio, tiers in tiers.map { (ratio: ratio, tier: $0.key, size: $0.value) } }
                .sorted { ($0.ratio, $0.tier.rawValue) < ($1.ratio, $1.tier.rawValue) }[...]
            #expect(jobs.count == 30)
            try await withThrowingTaskGroup(of: (ratio: String, tier: ResolutionTier, size: PixelSize, result: VerifyResult).self) { group in
                func start(_ job: (ratio: String, tier: ResolutionTier, size: PixelSize)) {
                    group.addTask {
                        let path = try await Self.generate(client, model: model.id, tier: job.tier, aspect: job.ratio, into: directory)
                        let result = Verifier.verify(path: path, expectation: VerifyExpectation(
                            model: model, resolution: job.tier, aspect: AspectChoice(job.ratio), observedSizes: store))
                        try? FileManager.default.removeItem(atPath: path)
                        return (job.ratio, job.tier, job.size, result)
                    }
                }
                for _ in 0..<2 { if let job = jobs.popFirst() { start(job) } }
                while let (ratio, tier, size, result) = try await group.next() {
                    #expect(result.ok, "\(ratio) \(tier.rawValue): \(result.problems)")
                    #expect(PixelSize(width: result.width ?? 0, height: result.height ?? 0) == size, "\(ratio) \(tier.rawValue)")
                    #expect(result.size?.basis == .published && result.size?.expected == size)
                    #expect(result.simulated && result.problems == [.simulated])
                    if let job = jobs.popFirst() { start(job) }
                }
            }
            #expect(!FileManager.default.fileExists(atPath: store.path))
        }
    }

    @Test func imageToImageDrawsThePublishedSizeOfTheRatioAsked() async throws {
        let host = LoopbackFileHost()
        try await host.start()
        let directory = Harness.temporaryDirectory()
        try Self.writePicture(300, 200, to: directory + "/ref.png")
        let url = host.publish(directory + "/ref.png")
        try await Harness.run { _, client in
            let model = try #require(catalogue.model("nano-banana-pro-image-to-image"))
            for ratio in ["9:16", "21:9", "4:5"] {
                let path = try await Self.generate(client, model: model.id, tier: .oneK, aspect: ratio, into: directory, references: [url])
                let result = Verifier.verify(path: path, expectation: VerifyExpectation(model: model, resolution: .oneK, aspect: AspectChoice(ratio)))
                #expect(result.ok && result.size?.basis == .published, "\(ratio): \(result.problems)")
                #expect(PixelSize(width: result.width ?? 0, height: result.height ?? 0) == publishedNanoBananaProSizes[ratio]?[.oneK])
            }
        }
        await host.stop()
    }

    @Test func aDowngradingServiceIsCaught() async throws {
        try await Harness.run(configure: { $0.downgrade = .tier(.oneK) }) { _, client in
            let directory = Harness.temporaryDirectory()
            let model = try #require(catalogue.model("nano-banana-pro-text-to-image"))
            let path = try await Self.generate(client, model: model.id, tier: .fourK, aspect: "1:1", into: directory)
            let result = Verifier.verify(path: path, expectation: VerifyExpectation(model: model, resolution: .fourK, aspect: AspectChoice("1:1")))
            #expect(!result.ok)
            #expect(result.problems.map(\.description) == ["simulated: made by imagepipe's simulator, not by VicSee",
                                                           "downgraded: 4K paid, 1K-size image received (1024×1024)"])
            // At the tier of the downgrade itself, nothing changes.
            let oneK = try await Self.generate(client, model: model.id, tier: .oneK, aspect: "16:9", into: directory)
            #expect(Verifier.verify(path: oneK, expectation: VerifyExpectation(model: model, resolution: .oneK, aspect: AspectChoice("16:9"))).ok)
        }
        try await Harness.run(configure: { $0.downgrade = SimulatorOptions.Downgrade("1024x1024") }) { _, client in
            let directory = Harness.temporaryDirectory()
            let model = try #require(catalogue.model("gpt-image-2-text-to-image"))
            let path = try await Self.generate(client, model: model.id, tier: .oneK, aspect: "16:9", into: directory)
            let result = Verifier.verify(path: path, expectation: VerifyExpectation(model: model, resolution: .oneK, aspect: AspectChoice("16:9")))
            #expect(result.problems.last?.description == "wrong ratio: 16:9 paid, 1:1 image received (1024×1024)")
        }
    }

    /// Real outputs (made here, unlabelled) of a reported size are recorded; the next verify expects that
    /// size exactly and names a change; published sizes, failures and blanks are never recorded.
    @Test func observedSizesAreRecordedUsedAndAChangeIsFlagged() throws {
        let directory = Harness.temporaryDirectory()
        let store = Self.temporaryStore()
        let model = try #require(catalogue.model("gpt-image-2-text-to-image"))
        let expectation = VerifyExpectation(model: model, resolution: .twoK, aspect: AspectChoice("16:9"), observedSizes: store)

        try Self.writePicture(2048, 1152, to: directory + "/first.png")
        let first = Verifier.verify(path: directory + "/first.png", expectation: expectation)
        #expect(first.ok && first.size?.basis == .reported && first.problems.isEmpty && !first.simulated)
        let recorded = try #require(try store.load().size(model: model.id, tier: .twoK, aspect: "16:9"))
        #expect(recorded.size == PixelSize(width: 2048, height: 1152) && recorded.count == 1)

        let second = Verifier.verify(path: directory + "/first.png", expectation: expectation)
        #expect(second.ok && second.size?.basis == .observed && second.problems.isEmpty)
        #expect(try store.load().size(model: model.id, tier: .twoK, aspect: "16:9")?.count == 2)

        try Self.writePicture(2064, 1152, to: directory + "/changed.png")
        let changed = Verifier.verify(path: directory + "/changed.png", expectation: expectation)
        #expect(changed.ok)
        #expect(changed.problems.map(\.description)
            == ["size changed: the service changed its 2K 16:9 size for gpt-image-2-text-to-image from 2048×1152 to 2064×1152"])
        let now = try #require(try store.load().size(model: model.id, tier: .twoK, aspect: "16:9"))
        #expect(now.size == PixelSize(width: 2064, height: 1152) && now.previous == PixelSize(width: 2048, height: 1152))

        let before = try Data(contentsOf: URL(fileURLWithPath: store.path))
        try Self.writePicture(2048, 1152, to: directory + "/blank.png", flat: true)
        #expect(!Verifier.verify(path: directory + "/blank.png", expectation: expectation).ok)
        try Self.writePicture(1536, 864, to: directory + "/small.png")
        #expect(!Verifier.verify(path: directory + "/small.png", expectation: expectation).ok)
        let nano = try #require(catalogue.model("nano-banana-pro-text-to-image"))
        try Self.writePicture(2752, 1536, to: directory + "/nano.png")
        #expect(Verifier.verify(path: directory + "/nano.png",
                                expectation: VerifyExpectation(model: nano, resolution: .twoK, aspect: AspectChoice("16:9"), observedSizes: store)).ok)
        // A caller that knows the backend was simulated keeps even an unlabelled file out.
        var fromSimulator = expectation
        fromSimulator.simulated = true
        try Self.writePicture(2080, 1152, to: directory + "/sim.png")
        #expect(Verifier.verify(path: directory + "/sim.png", expectation: fromSimulator).problems.contains(.simulated))
        #expect(try Data(contentsOf: URL(fileURLWithPath: store.path)) == before)
    }

    /// The simulator's outputs are judged by the catalogue alone and never touch the observed sizes, even
    /// when they differ from what was observed.
    @Test func simulatedOutputsLeaveTheObservedFileUntouched() async throws {
        let store = Self.temporaryStore()
        _ = try store.record(PixelSize(width: 2064, height: 1152), model: "gpt-image-2-text-to-image", tier: .twoK, aspect: "16:9")
        let before = try Data(contentsOf: URL(fileURLWithPath: store.path))
        try await Harness.run { _, client in
            let directory = Harness.temporaryDirectory()
            let model = try #require(catalogue.model("gpt-image-2-text-to-image"))
            for aspect in ["16:9", "3:2"] {
                let path = try await Self.generate(client, model: model.id, tier: .twoK, aspect: aspect, into: directory)
                let result = Verifier.verify(path: path, expectation: VerifyExpectation(model: model, resolution: .twoK, aspect: AspectChoice(aspect),
                                                                                       observedSizes: store))
                #expect(result.ok && result.simulated && result.size?.basis == .reported, "\(result.problems)")
                #expect(result.problems == [.simulated])
            }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: store.path)) == before)
    }

    @Test func simulatorLabelIsReadFromTheFile() throws {
        let directory = Harness.temporaryDirectory()
        try Self.writePicture(20, 10, to: directory + "/plain.png")
        #expect(!SimulatorMark.isPresent(inFileAt: directory + "/plain.png"))
        let labelled = try ImageEncoder.encode(PixelBuffer(width: 4, height: 4, layout: .rgb, pixels: [UInt8](repeating: 9, count: 48)),
                                               as: .png, options: EncodeOptions(comment: SimulatorMark.text))
        _ = FileManager.default.createFile(atPath: directory + "/labelled.png", contents: Data(labelled))
        #expect(SimulatorMark.isPresent(inFileAt: directory + "/labelled.png"))
        let other = try ImageEncoder.encode(PixelBuffer(width: 4, height: 4, layout: .rgb, pixels: [UInt8](repeating: 9, count: 48)),
                                            as: .png, options: EncodeOptions(comment: "made by hand"))
        _ = FileManager.default.createFile(atPath: directory + "/other.png", contents: Data(other))
        #expect(!SimulatorMark.isPresent(inFileAt: directory + "/other.png"))
        #expect(!SimulatorMark.isPresent(inFileAt: directory + "/missing.png"))
    }

    /// A truncated JPEG with an end marker appended decodes with a warning; verify fails it by default.
    @Test func verifyDefaultsToTheStrictestDecode() throws {
        let directory = Harness.temporaryDirectory()
        var generator = SystemRandomNumberGenerator()
        let noise = PixelBuffer(width: 1024, height: 1024, layout: .rgb,
                                pixels: (0..<(1024 * 1024 * 3)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let jpeg = try ImageEncoder.encode(noise, as: .jpeg)
        _ = FileManager.default.createFile(atPath: directory + "/cut.jpg", contents: Data(jpeg[0..<(jpeg.count * 4 / 10)] + [0xFF, 0xD9]))
        let model = try #require(catalogue.model("nano-banana-pro-text-to-image"))
        let result = Verifier.verify(path: directory + "/cut.jpg", expectation: VerifyExpectation(model: model, resolution: .oneK, aspect: AspectChoice("1:1")))
        #expect(!result.ok && result.problems.first?.kind == "undecodable", "\(result.problems)")
    }

    /// The pipeline's `verify tolerance` reads the same syntax as `imagepipe verify --tolerance`.
    @Test func pipelinesTakeTheSameToleranceSyntax() throws {
        let parser = PipelineParser(file: "t.pipe", catalogue: catalogue)
        let pipeline = { (tolerance: String) in "items a\ngenerate model flux-2-pro-text-to-image prompt \"a {name}\"\nverify tolerance \(tolerance)\n" }
        for written in ["2", "2%"] { #expect(try parser.parse(pipeline(written)).verify?.tolerance == 0.02, "\(written)") }
        do {
            _ = try parser.parse(pipeline("2%%"))
            Issue.record("tolerance 2%% was accepted")
        } catch {
            #expect(error.description.contains("expected a percentage such as 2% (or 2) from 0 to below 100 for tolerance but received '2%%'"))
        }
    }

    @Test func verifyProblemsRoundTripThroughJSON() throws {
        let problems: [VerifyProblem] = [
            .undecodable(reason: "truncated PNG data"), .renamed(namedAs: "png", format: .jpeg, renamedTo: "/a/b.jpg"), .blank, .simulated,
            .notRecorded(store: "/s.json", reason: "cannot record an observed size: disk full"),
            .size(.wrongRatio(request: SizeRequest(model: "m", tier: .oneK, aspect: "16:9"), received: PixelSize(width: 1, height: 1), receivedRatio: "1:1")),
        ]
        #expect(try JSONDecoder().decode([VerifyProblem].self, from: JSONEncoder().encode(problems)) == problems)
        #expect(problems.map(\.fails) == [true, false, true, false, false, true])
        #expect(Set(problems.map(\.kind)).isSubset(of: Set(VerifyProblem.kinds)))
    }
}
