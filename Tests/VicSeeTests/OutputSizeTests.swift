import Foundation
import Testing
@testable import VicSee

/// The published Nano Banana Pro table, typed here from `../shared/API.md` so that the catalogue is checked
/// against the source rather than against itself.
let publishedNanoBananaProSizes: [String: [ResolutionTier: PixelSize]] = {
    let rows: [(String, [Int])] = [
        ("1:1", [1024, 1024, 2048, 2048, 4096, 4096]), ("2:3", [848, 1264, 1696, 2528, 3392, 5056]),
        ("3:2", [1264, 848, 2528, 1696, 5056, 3392]), ("3:4", [896, 1200, 1792, 2400, 3584, 4800]),
        ("4:3", [1200, 896, 2400, 1792, 4800, 3584]), ("4:5", [928, 1152, 1856, 2304, 3712, 4608]),
        ("5:4", [1152, 928, 2304, 1856, 4608, 3712]), ("9:16", [768, 1376, 1536, 2752, 3072, 5504]),
        ("16:9", [1376, 768, 2752, 1536, 5504, 3072]), ("21:9", [1584, 672, 3168, 1344, 6336, 2688]),
    ]
    return Dictionary(uniqueKeysWithValues: rows.map { ratio, edges in
        (ratio, [.oneK: PixelSize(width: edges[0], height: edges[1]), .twoK: PixelSize(width: edges[2], height: edges[3]),
                 .fourK: PixelSize(width: edges[4], height: edges[5])])
    })
}()

@Suite struct SizeCatalogueTests {
    let catalogue = try! ModelCatalogue.bundled()

    @Test(arguments: ["nano-banana-pro-text-to-image", "nano-banana-pro-image-to-image"])
    func nanoBananaProHasThePublishedTable(id: String) throws {
        let model = try #require(catalogue.model(id))
        #expect(Set(model.fixedRatios.map(\.description)) == Set(publishedNanoBananaProSizes.keys))
        for (ratio, tiers) in publishedNanoBananaProSizes {
            for (tier, size) in tiers {
                let listed = try #require(model.outputSize(aspect: AspectChoice(ratio)!, tier: tier))
                #expect(listed.size == size, "\(id) \(ratio) \(tier.rawValue)")
                #expect(listed.confidence == .published)
            }
        }
    }

    @Test func gptImage2SizesAreReportedOrAssumedAsTheirSourcesSay() throws {
        let gpt = try #require(catalogue.model("gpt-image-2-image-to-image"))
        let confidence = { (ratio: String, tier: ResolutionTier) in gpt.outputSize(aspect: AspectChoice(ratio)!, tier: tier)?.confidence }
        #expect(confidence("16:9", .fourK) == .reported)
        #expect(confidence("9:21", .oneK) == nil)  // not a ratio the model lists
        #expect(confidence("2:3", .twoK) == .reported)
        #expect(confidence("3:2", .fourK) == .assumed)
        #expect(confidence("4:5", .fourK) == .assumed)
        #expect(catalogue.model("flux-2-pro-text-to-image")!.outputSizes.allSatisfy { $0.confidence == .assumed })
    }

    /// Every listed size falls in its own tier's band, and the bands are in order without overlap.
    @Test func everyListedSizeIsInItsTiersBand() {
        for model in catalogue.models {
            let bands = model.pixelBands()
            #expect(bands.map(\.tier) == model.resolutions, "\(model.id)")
            for (lower, upper) in zip(bands, bands.dropFirst()) { #expect(lower.upper == upper.lower && lower.lower < lower.upper) }
            for tier in model.resolutions {
                for (aspect, listed) in model.outputSizes(at: tier) {
                    #expect(model.sizeClass(of: listed.size) == .tier(tier), "\(model.id) \(aspect) \(tier.rawValue) \(listed.size)")
                }
            }
        }
    }

    @Test func aSizeListedTwiceIsRefused() throws {
        var model = try #require(catalogue.model("flux-2-pro-text-to-image"))
        model.id = "twice"
        model.outputSizes.append(OutputSizeTable(confidence: .published, source: "x", sizes: ["1:1": ["1K": PixelSize(width: 1, height: 1)]]))
        let path = NSTemporaryDirectory() + "models-\(UUID().uuidString).json"
        _ = FileManager.default.createFile(atPath: path, contents: try JSONEncoder().encode(["models": [model]]))
        #expect(throws: CatalogueError.invalid(path: path, detail: "1:1 1K is listed in two size tables at .models[0].outputSizes (twice)")) {
            try ModelCatalogue.load(overridePath: path)
        }
    }
}

@Suite struct SizeCheckTests {
    let catalogue = try! ModelCatalogue.bundled()

    func check(_ id: String, _ tier: ResolutionTier, _ aspect: String?, tolerance: Double = 0) -> SizeCheck {
        SizeCheck(model: catalogue.model(id)!, tier: tier, aspect: aspect.flatMap(AspectChoice.init), tolerance: tolerance)
    }

    func size(_ width: Int, _ height: Int) -> PixelSize { PixelSize(width: width, height: height) }

    @Test func publishedSizesAreCheckedExactly() {
        let nano = check("nano-banana-pro-text-to-image", .twoK, "16:9")
        let exact = nano.judge(size(2752, 1536))
        #expect(exact.passes && exact.problem == nil && exact.basis == .published && exact.expected == size(2752, 1536))
        let near = nano.judge(size(2720, 1536))
        #expect(!near.passes)
        #expect(near.problem?.description == "wrong size: 2720×1536 is not the size paid for (nano-banana-pro-text-to-image 2K 16:9: 2752×1536 published)")
        #expect(check("nano-banana-pro-text-to-image", .twoK, "16:9", tolerance: 0.02).judge(size(2720, 1536)).passes)
        // The old guess (long edge 2048) is wrong for a published 2K 16:9.
        #expect(nano.judge(size(2048, 1152)).problem?.kind == "wrong-size")
    }

    @Test func downgradesAreNamed() {
        let fourK = check("nano-banana-pro-text-to-image", .fourK, "1:1").judge(size(1024, 1024))
        #expect(fourK.problem?.description == "downgraded: 4K paid, 1K-size image received (1024×1024)")
        #expect(fourK.problem?.kind == "downgraded" && !fourK.passes)
        let ratioToo = check("nano-banana-pro-text-to-image", .fourK, "16:9").judge(size(1024, 1024))
        #expect(ratioToo.problem?.description == "downgraded: 4K paid, 1K-size image received (1024×1024), 1:1 where 16:9 was asked")
        let reported = check("gpt-image-2-text-to-image", .twoK, "16:9").judge(size(1536, 864))
        #expect(reported.problem == .downgraded(request: SizeRequest(model: "gpt-image-2-text-to-image", tier: .twoK, aspect: "16:9"),
                                                received: size(1536, 864), receivedClass: .tier(.oneK), receivedRatio: nil))
        let tiny = check("nano-banana-pro-text-to-image", .oneK, "3:2").judge(size(300, 200))
        #expect(tiny.problem?.description == "downgraded: 1K paid, image smaller than any tier received (300×200)")
    }

    @Test func wrongRatioInTheRightTier() {
        let square = check("nano-banana-pro-text-to-image", .oneK, "16:9").judge(size(1024, 1024))
        #expect(square.problem?.description == "wrong ratio: 16:9 paid, 1:1 image received (1024×1024)")
        let odd = check("gpt-image-2-text-to-image", .twoK, "16:9").judge(size(2048, 1024))
        #expect(odd.problem?.kind == "wrong-ratio" && odd.problem?.description.contains("2.00:1 image received") == true)
    }

    @Test func reportedSizesAreCheckedByRatioAndBand() {
        let gpt = check("gpt-image-2-text-to-image", .twoK, "16:9")
        for received in [size(2048, 1152), size(2000, 1125), size(2560, 1440)] {
            let verdict = gpt.judge(received)
            #expect(verdict.passes && verdict.problem == nil && verdict.basis == .reported, "\(received)")
            #expect(verdict.isObservation)
        }
        let larger = gpt.judge(size(3840, 2160))
        #expect(larger.problem?.description == "wrong size: 3840×2160 is larger than the 2K paid for (gpt-image-2-text-to-image 2K 16:9: 2048×1152 reported)")
    }

    @Test func assumedSizesSayTheExactSizeIsUnverified() {
        let flux = check("flux-2-pro-text-to-image", .oneK, "1:1").judge(size(1008, 1008))
        #expect(flux.passes && flux.basis == .assumed)
        #expect(flux.problem?.kind == "size-unverified")
        #expect(flux.problem?.description
            == "exact size unverified: flux-2-pro-text-to-image 1K 1:1 is assumed to be 1024×1024, not published and not yet observed; the ratio and the 1K band were checked")
        let gpt4K = check("gpt-image-2-text-to-image", .fourK, "3:2").judge(size(3504, 2336))
        #expect(gpt4K.passes && gpt4K.basis == .assumed && gpt4K.problem?.kind == "size-unverified")
    }

    @Test func observedSizesAreExpectedExactlyAndAChangeIsNamed() {
        var observed = ObservedSizes()
        _ = observed.record(size(2048, 1152), model: "gpt-image-2-text-to-image", tier: .twoK, aspect: "16:9", at: Date())
        let gpt = check("gpt-image-2-text-to-image", .twoK, "16:9")
        let same = gpt.judge(size(2048, 1152), observed: observed)
        #expect(same.passes && same.problem == nil && same.basis == .observed)
        let changed = gpt.judge(size(2064, 1152), observed: observed)
        #expect(changed.passes && changed.basis == .observed)
        #expect(changed.problem?.description == "size changed: the service changed its 2K 16:9 size for gpt-image-2-text-to-image from 2048×1152 to 2064×1152")
        // Still a downgrade, whatever was observed.
        #expect(gpt.judge(size(1536, 864), observed: observed).problem?.kind == "downgraded")
        // Published sizes never give way to observations.
        _ = observed.record(size(2720, 1536), model: "nano-banana-pro-text-to-image", tier: .twoK, aspect: "16:9", at: Date())
        #expect(check("nano-banana-pro-text-to-image", .twoK, "16:9").judge(size(2720, 1536), observed: observed).problem?.kind == "wrong-size")
    }

    @Test func autoIsJudgedAsTheNearestListedRatio() {
        let auto = check("gpt-image-2-text-to-image", .oneK, "auto").judge(size(1536, 1024))
        #expect(auto.passes && auto.aspect == "3:2" && auto.basis == .reported)
        let any = check("nano-banana-pro-image-to-image", .oneK, nil).judge(size(1200, 896))
        #expect(any.passes && any.aspect == "4:3" && any.basis == .published)
        let none = check("nano-banana-pro-image-to-image", .oneK, nil).judge(size(1500, 500))
        #expect(none.problem?.description == "wrong ratio: one of the model's ratios (auto) paid, 3.00:1 image received (1500×500)")
    }

    @Test func problemsRoundTripThroughJSON() throws {
        let request = SizeRequest(model: "m", tier: .fourK, aspect: "16:9")
        let problems: [SizeProblem] = [
            .wrongSize(request: request, received: size(1, 2), expected: size(3, 4), basis: .published, receivedClass: .tier(.fourK)),
            .downgraded(request: request, received: size(1024, 1024), receivedClass: .tier(.oneK), receivedRatio: "1:1"),
            .downgraded(request: request, received: size(10, 10), receivedClass: .belowTiers, receivedRatio: nil),
            .wrongRatio(request: request, received: size(5, 5), receivedRatio: "1:1"),
            .sizeChanged(request: request, from: size(1, 1), to: size(2, 2)),
            .sizeUnverified(request: request, received: size(7, 7), assumed: nil),
        ]
        let data = try JSONEncoder().encode(problems)
        #expect(try JSONDecoder().decode([SizeProblem].self, from: data) == problems)
        let first = try #require((try JSONSerialization.jsonObject(with: data) as? [[String: Any]])?[1])
        #expect(first["kind"] as? String == "downgraded" && first["received"] as? String == "1K" && first["width"] as? Int == 1024)
        #expect(first["message"] as? String == problems[1].description)
    }
}

@Suite struct SizeToleranceTests {
    @Test func oneSyntaxEverywhere() {
        #expect(SizeTolerance("2")?.fraction == 0.02)
        #expect(SizeTolerance("2%")?.fraction == 0.02)
        #expect(SizeTolerance(" 2.5 % ")?.fraction == 0.025)
        #expect(SizeTolerance("0")?.fraction == 0)
        for bad in ["-1", "100", "abc", "nan", "2%%", "%", "", "inf"] { #expect(SizeTolerance(bad) == nil, "\(bad)") }
        #expect(SizeTolerance(fraction: 0.02).description == "2%")
    }
}

@Suite struct ObservedSizeStoreTests {
    @Test func recordsNewSameAndChangedAndKeepsThemOnDisk() throws {
        let path = NSTemporaryDirectory() + "observed-\(UUID().uuidString)/sub/observed-sizes.json"
        let store = ObservedSizeStore(path: path)
        #expect(try store.load().sizes.isEmpty)
        let first = PixelSize(width: 2048, height: 1152), second = PixelSize(width: 2064, height: 1152)
        #expect(try store.record(first, model: "m", tier: .twoK, aspect: "16:9") == .new)
        #expect(try store.record(first, model: "m", tier: .twoK, aspect: "16:9") == .same)
        #expect(try store.load().size(model: "m", tier: .twoK, aspect: "16:9")?.count == 2)
        #expect(try store.record(second, model: "m", tier: .twoK, aspect: "16:9") == .changed(from: first))
        let entry = try #require(try ObservedSizeStore(path: path).load().size(model: "m", tier: .twoK, aspect: "16:9"))
        #expect(entry.size == second && entry.previous == first && entry.changedAt != nil && entry.count == 1)
        #expect(try store.load().sizes.count == 1)
    }

    @Test func locationFromFlagEnvironmentOrHome() {
        #expect(ObservedSizeStore.locate("/x/o.json", environment: [ObservedSizeStore.environmentVariable: "/y.json"])?.path == "/x/o.json")
        #expect(ObservedSizeStore.locate(environment: [ObservedSizeStore.environmentVariable: "/y.json", "HOME": "/h"])?.path == "/y.json")
        #expect(ObservedSizeStore.locate(environment: ["XDG_DATA_HOME": "/d", "HOME": "/h"])?.path == "/d/imagepipe/observed-sizes.json")
        #expect(ObservedSizeStore.locate(environment: ["HOME": "/h"])?.path == "/h/.local/share/imagepipe/observed-sizes.json")
        #expect(ObservedSizeStore.locate(environment: [:]) == nil)
    }

    @Test func aBrokenFileSaysWhere() throws {
        let path = NSTemporaryDirectory() + "observed-\(UUID().uuidString).json"
        _ = FileManager.default.createFile(atPath: path, contents: Data("{\"sizes\": 3}".utf8))
        #expect(throws: ObservedSizesError.self) { try ObservedSizeStore(path: path).load() }
        do {
            _ = try ObservedSizeStore(path: path).load()
        } catch {
            #expect(error.description.hasPrefix("\(path): invalid observed sizes: not an observed-sizes file"))
        }
    }
}
