import Foundation
import ImageCore
import Pipeline
import Simulator
import Testing
import VicSee

/// `generate` end to end against the in-process simulator: local references are published on loopback,
/// fetched by the simulator over HTTP, and the output has the catalogue's size for the ratio and tier.
@Suite struct GenerationSessionTests {
    static func reference() throws -> String {
        let directory = Harness.temporaryDirectory()
        var pixels = [UInt8]()
        for y in 0..<300 { for x in 0..<400 { pixels += [UInt8(x % 256), UInt8(y % 256), 128] } }
        let path = directory + "/product.jpg"
        try ImageEncoder.write(PixelBuffer(width: 400, height: 300, layout: .rgb, pixels: pixels), to: path)
        return path
    }

    @Test(arguments: [("3:2", ResolutionTier.twoK, 2048, 1360), ("auto", .oneK, 1024, 768), ("9:16", .oneK, 864, 1536)])
    func imageToImageHasTheCataloguesSize(aspect: String, tier: ResolutionTier, width: Int, height: Int) async throws {
        var options = SimulatorOptions()
        options.latency = 0.05
        let session = try await GenerationSession.open(backend: .simulator(options), catalogue: Harness.catalogue)
        let published = try await session.publish(try Self.reference())
        #expect(published.url.hasPrefix("http://127.0.0.1:"))
        let request = GenerationRequest(model: "gpt-image-2-image-to-image", prompt: "studio light", imageURLs: [published.url],
                                        resolution: tier, aspect: AspectChoice(aspect)!, referenceBytes: [published.bytes ?? 0])
        let directory = Harness.temporaryDirectory()
        let outcome = try await session.generate(request, into: directory)
        let counters = await session.simulator!.counters()
        await session.close()
        #expect(outcome.width == width && outcome.height == height)
        #expect(outcome.simulated)
        #expect(outcome.outputPath.hasPrefix(directory + "/SIMULATED-task_sim"))
        #expect(outcome.creditsUsed == Harness.catalogue.model("gpt-image-2-image-to-image")!.credits(for: tier))
        #expect(counters.submits == 1 && counters.charges == 1)
        // The file says what it is.
        let bytes = try #require(FileManager.default.contents(atPath: outcome.outputPath))
        #expect(String(decoding: bytes.prefix(400), as: UTF8.self).contains("imagepipe simulator output - not made by VicSee"))
    }

    /// With no host of the user's own, a local reference goes to the real service's own upload (here a
    /// service that does not resolve, so the attempt fails on the network, not on the reference).
    @Test func localReferencesGoToTheServicesOwnUpload() async throws {
        let session = try await GenerationSession.open(backend: .vicsee(baseURL: "https://vicsee.invalid/api/v1", apiKey: "sk-x"),
                                                       catalogue: Harness.catalogue)
        let path = try Self.reference()
        do {
            _ = try await session.publish(path)
            Issue.record("an unreachable service took the upload")
        } catch {
            #expect(!(error is ReferenceError) && !(error is PublishError), "\(error)")
        }
        let hosted = try await GenerationSession.open(backend: .vicsee(baseURL: "https://vicsee.invalid/api/v1", apiKey: "sk-x"),
                                                      catalogue: Harness.catalogue, referenceBaseURL: "https://cdn.example.com/refs")
        #expect(try await hosted.publish(path).url == "https://cdn.example.com/refs/product.jpg")
        #expect(try await hosted.publish("https://elsewhere/x.png").url == "https://elsewhere/x.png")
        await session.close()
        await hosted.close()
    }

    @Test func aNonImageReferenceIsRefusedWithItsName() async throws {
        let session = try await GenerationSession.open(backend: .simulator(SimulatorOptions()), catalogue: Harness.catalogue)
        let path = Harness.temporaryDirectory() + "/notes.jpg"
        FileManager.default.createFile(atPath: path, contents: Data("hello".utf8))
        await #expect(throws: ReferenceError.self) { try await session.publish(path) }
        await session.close()
    }
}
