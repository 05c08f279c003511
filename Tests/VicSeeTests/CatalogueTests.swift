import Foundation
import Testing
@testable import VicSee

@Suite struct CatalogueTests {
    let catalogue = try! ModelCatalogue.bundled()

    @Test func bundledTableHasTheModelsAndTheirRules() throws {
        let gpt = try #require(catalogue.model("gpt-image-2-text-to-image"))
        #expect(gpt.credits(for: .oneK) == 8 && gpt.credits(for: .twoK) == 12 && gpt.credits(for: .fourK) == 20)
        #expect(gpt.resolutions(for: .auto) == [.oneK])
        #expect(gpt.resolutions(for: .ratio(AspectRatio("1:1")!)) == [.oneK, .twoK])
        #expect(gpt.outputSize(aspect: .ratio(AspectRatio("21:9")!), tier: .fourK)?.size == PixelSize(width: 3840, height: 1648))
        #expect(gpt.outputSize(aspect: .ratio(AspectRatio("9:16")!), tier: .oneK)?.size == PixelSize(width: 864, height: 1536))
        #expect(catalogue.model("flux-2-flex-text-to-image")?.credits(for: .twoK) == 75)
        #expect(catalogue.models.count >= 6)
    }

    /// Every listed size keeps the model's published rules: the ratio it is listed under, and for GPT
    /// Image 2 OpenAI's limits (multiples of 16, long edge ≤ 3840, 655,360 to 8,294,400 pixels).
    @Test func outputSizesAreConsistent() {
        for model in catalogue.models {
            for table in model.outputSizes {
                #expect(!table.source.isEmpty, "\(model.id): a size table without a source")
                for (aspect, tiers) in table.sizes {
                    for (_, size) in tiers {
                        if let ratio = AspectRatio(aspect) {
                            #expect(ratio.distance(to: size.ratio) < 0.03, "\(model.id) \(aspect) \(size)")
                        }
                        if model.family == "GPT Image 2" {
                            #expect(size.width % 16 == 0 && size.height % 16 == 0, "\(model.id) \(aspect) \(size)")
                            #expect(max(size.width, size.height) <= 3840)
                            #expect((655_360...8_294_400).contains(size.pixels), "\(model.id) \(aspect) \(size)")
                        }
                    }
                }
            }
            // Every ratio the model lists has a size at every tier it allows, so verify always has one.
            for ratio in model.fixedRatios {
                for tier in model.resolutions(for: .ratio(ratio)) {
                    #expect(model.outputSize(aspect: .ratio(ratio), tier: tier) != nil, "\(model.id) \(ratio) \(tier.rawValue)")
                }
            }
        }
    }

    @Test func overrideFileReplacesAndExtends() throws {
        let path = NSTemporaryDirectory() + "models-\(UUID().uuidString).json"
        var flux = try #require(catalogue.model("flux-2-pro-text-to-image"))
        flux.credits["1K"] = 99
        var custom = flux
        custom.id = "my-house-model"
        let data = try JSONEncoder().encode(["models": [flux, custom]])
        FileManager.default.createFile(atPath: path, contents: data)
        let merged = try ModelCatalogue.load(overridePath: path)
        #expect(merged.model("flux-2-pro-text-to-image")?.credits(for: .oneK) == 99)
        #expect(merged.model("my-house-model") != nil)
        #expect(merged.models.count == catalogue.models.count + 1)
        let viaEnvironment = try ModelCatalogue.load(environment: [ModelCatalogue.environmentVariable: path])
        #expect(viaEnvironment.model("my-house-model") != nil)
    }

    @Test func brokenOverrideSaysWhere() throws {
        let path = NSTemporaryDirectory() + "models-\(UUID().uuidString).json"
        FileManager.default.createFile(atPath: path, contents: Data(#"{"models": [{"id": "x"}]}"#.utf8))
        #expect(throws: CatalogueError.self) { try ModelCatalogue.load(overridePath: path) }
        do {
            _ = try ModelCatalogue.load(overridePath: path)
        } catch {
            #expect("\(error)".contains("\(path): invalid model catalogue: missing 'family' at .models[0]"))
        }
    }

    @Test func nearestRatioUsesLogDistance() {
        let ratios = catalogue.model("gpt-image-2-image-to-image")!.fixedRatios
        #expect(AspectRatio.nearest(toWidth: 1920, height: 1080, among: ratios)?.ratio == AspectRatio("16:9"))
        #expect(AspectRatio.nearest(toWidth: 900, height: 1200, among: ratios)?.ratio == AspectRatio("3:4"))
        #expect(AspectRatio.nearest(toWidth: 1000, height: 1000, among: ratios)?.ratio == AspectRatio("1:1"))
        let near = AspectRatio.nearest(toWidth: 1400, height: 1000, among: ratios)!
        #expect(near.ratio == AspectRatio("4:3") || near.ratio == AspectRatio("3:2"))
        #expect(near.distortion < 0.06)
    }
}

@Suite struct RequestValidationTests {
    let catalogue = try! ModelCatalogue.bundled()

    func refused(_ request: GenerationRequest) -> RequestError? {
        do {
            _ = try request.validate(against: catalogue)
            return nil
        } catch {
            return error
        }
    }

    @Test func rulesAreCheckedBeforeSpending() {
        let ratio = { (text: String) in AspectChoice.ratio(AspectRatio(text)!) }
        #expect(refused(GenerationRequest(model: "gpt-image-2-text-to-image", prompt: "x", resolution: .fourK, aspect: ratio("1:1")))?
            .description.contains("use 1K or 2K") == true)
        #expect(refused(GenerationRequest(model: "gpt-image-2-text-to-image", prompt: "x", resolution: .twoK, aspect: .auto))?
            .description.contains("'auto' at 1K only") == true)
        #expect(refused(GenerationRequest(model: "gpt-image-2-text-to-image", prompt: "x", aspect: ratio("7:3")))
            == .unsupportedAspect(model: "gpt-image-2-text-to-image", aspect: "7:3",
                                  supported: catalogue.model("gpt-image-2-text-to-image")!.aspectRatios))
        #expect(refused(GenerationRequest(model: "gpt-image-2-text-to-image", prompt: String(repeating: "a", count: 20_001)))
            == .promptLength(model: "gpt-image-2-text-to-image", length: 20_001, min: 1, max: 20_000))
        #expect(refused(GenerationRequest(model: "gpt-image-2-image-to-image", prompt: "x"))
            == .missingReferences(model: "gpt-image-2-image-to-image", required: 1))
        #expect(refused(GenerationRequest(model: "gpt-image-2-image-to-image", prompt: "x",
                                          imageURLs: Array(repeating: "http://a/b.jpg", count: 17)))
            == .tooManyReferences(model: "gpt-image-2-image-to-image", count: 17, max: 16))
        #expect(refused(GenerationRequest(model: "gpt-image-2-image-to-image", prompt: "x", imageURLs: ["http://a/b.jpg"],
                                          referenceBytes: [30_000_001]))
            == .referenceTooLarge(index: 0, bytes: 30_000_001, max: 30_000_000))
        #expect(refused(GenerationRequest(model: "flux-2-pro-text-to-image", prompt: "ab"))
            == .promptLength(model: "flux-2-pro-text-to-image", length: 2, min: 3, max: 5000))
        #expect(refused(GenerationRequest(model: "flux-2-pro-text-to-image", prompt: "abc", resolution: .fourK))
            == .unsupportedResolution(model: "flux-2-pro-text-to-image", resolution: .fourK, supported: [.oneK, .twoK]))
        #expect(refused(GenerationRequest(model: "gpt-image-2", prompt: "x"))?.description.contains("did you mean") == true)
        #expect(refused(GenerationRequest(model: "gpt-image-2-text-to-image", prompt: "x", resolution: .twoK, aspect: ratio("16:9"))) == nil)
    }
}
