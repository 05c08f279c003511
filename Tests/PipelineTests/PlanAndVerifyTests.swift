import Foundation
import ImageCore
import Testing
import VicSee
@testable import Pipeline

func temporaryDirectory() -> String {
    let path = NSTemporaryDirectory() + "imagepipe-pipeline-" + UUID().uuidString
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func picture(_ width: Int, _ height: Int, flat: Bool = false) -> PixelBuffer {
    var pixels = [UInt8]()
    for y in 0..<height { for x in 0..<width { pixels += flat ? [10, 20, 30] : [UInt8(x % 256), UInt8(y % 256), 90] } }
    return PixelBuffer(width: width, height: height, layout: .rgb, pixels: pixels)
}

/// A JPEG stored `width`×`height` with an EXIF orientation.
func orientedJPEG(_ width: Int, _ height: Int, orientation: Int, to path: String) throws {
    let jpeg = try ImageEncoder.encode(picture(width, height), as: .jpeg)
    let tiff: [UInt8] = [0x49, 0x49, 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, UInt8(orientation), 0, 0, 0, 0, 0, 0, 0]
    let payload = Array("Exif".utf8) + [0, 0] + tiff
    let bytes = Array(jpeg[0..<2]) + [0xFF, 0xE1, 0, UInt8(payload.count + 2)] + payload + Array(jpeg[2...])
    FileManager.default.createFile(atPath: path, contents: Data(bytes))
}

@Suite struct PlanTests {
    @Test func ratiosFollowOrientationAndCreditsAddUp() throws {
        let directory = temporaryDirectory()
        try orientedJPEG(1200, 900, orientation: 6, to: directory + "/phone.jpg")  // upright 900×1200: 3:4
        try ImageEncoder.write(picture(1920, 1080), to: directory + "/wide.png")      // 16:9
        try ImageEncoder.write(picture(1000, 980), to: directory + "/square.webp")    // 1:1, 2 % off
        let spec = try parse("""
            input \(directory)/
            generate model gpt-image-2-image-to-image prompt "x" resolution 2K
            """)
        let plan = PipelineRunner(spec: spec, catalogue: catalogue).plan()
        let ratios = Dictionary(uniqueKeysWithValues: plan.items.map { ($0.name, $0.ratio ?? "") })
        #expect(ratios == ["phone": "3:4", "wide": "16:9", "square": "1:1"])
        let square = try #require(plan.items.first { $0.name == "square" })
        #expect(abs((square.distortion ?? 0) - 0.0204) < 0.001)
        #expect(plan.totalCredits == 3 * 12)
        #expect(abs(plan.dollars - 0.216) < 1e-9)
    }

    @Test func planFlagsRulesThatAnItemWouldBreak() throws {
        let directory = temporaryDirectory()
        try ImageEncoder.write(picture(500, 500), to: directory + "/square.png")
        try ImageEncoder.write(picture(600, 400), to: directory + "/wide.png")
        FileManager.default.createFile(atPath: directory + "/broken.png", contents: Data("nope".utf8))
        let spec = try parse("""
            input \(directory)/
            check formats png max-bytes 5000000
            generate model gpt-image-2-image-to-image prompt "x" resolution 4K
            """)
        let plan = PipelineRunner(spec: spec, catalogue: catalogue).plan()
        let square = try #require(plan.items.first { $0.name == "square" })
        #expect(square.problems.first?.reason.contains("cannot make 1:1 at 4K") == true)
        #expect(square.problems.first?.kind == .refused)
        #expect(square.credits == 0)
        let broken = try #require(plan.items.first { $0.name == "broken" })
        #expect(broken.problems.first?.reason.contains("not a JPEG, PNG or WebP file") == true)
        #expect(broken.problems.first?.kind == .unreadable)
        #expect(plan.totalCredits == 20)
    }

    /// Two files with the same bytes stay two items (each is generated), and plan says so.
    @Test func identicalInputsAreTwoItemsAndPlanSaysSo() throws {
        let directory = temporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory + "/a", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory + "/b", withIntermediateDirectories: true)
        try ImageEncoder.write(picture(300, 200), to: directory + "/a/p.jpg")
        try FileManager.default.copyItem(atPath: directory + "/a/p.jpg", toPath: directory + "/b/p.jpg")
        try ImageEncoder.write(picture(200, 300), to: directory + "/c.jpg")
        let spec = try parse("""
            input \(directory)/ "\(directory)/a/*.jpg"
            generate model gpt-image-2-image-to-image prompt "x"
            """)
        let plan = PipelineRunner(spec: spec, catalogue: catalogue).plan()
        #expect(plan.items.map(\.name) == ["a/p", "b/p", "c"])
        #expect(plan.items[1].sameContentAs == "a/p" && plan.items[0].sameContentAs == nil)
        #expect(plan.totalCredits == 24)
    }
}

@Suite struct VerifyTests {
    let model = catalogue.model("gpt-image-2-image-to-image")!

    @Test func decisions() throws {
        let directory = temporaryDirectory()
        let expectation = VerifyExpectation(model: model, resolution: .oneK, aspect: AspectChoice("4:3"))
        try ImageEncoder.write(picture(1024, 768), to: directory + "/good.png")
        #expect(Verifier.verify(path: directory + "/good.png", expectation: expectation).ok)

        try ImageEncoder.write(picture(1000, 768), to: directory + "/small.png")
        let small = Verifier.verify(path: directory + "/small.png", expectation: expectation)
        #expect(!small.ok && small.problems == [.size(.wrongRatio(request: SizeRequest(model: model.id, tier: .oneK, aspect: "4:3"),
                                                                  received: PixelSize(width: 1000, height: 768), receivedRatio: "1.30:1"))])
        var tolerant = expectation
        tolerant.tolerance = 0.03
        #expect(Verifier.verify(path: directory + "/small.png", expectation: tolerant).ok)

        try ImageEncoder.write(picture(1024, 768, flat: true), to: directory + "/blank.png")
        let blank = Verifier.verify(path: directory + "/blank.png", expectation: expectation)
        #expect(!blank.ok && blank.problems.contains(.blank))

        let png = try ImageEncoder.encode(picture(1024, 768), as: .png)
        FileManager.default.createFile(atPath: directory + "/cut.png", contents: Data(png[0..<(png.count / 2)]))
        let cut = Verifier.verify(path: directory + "/cut.png", expectation: expectation)
        #expect(!cut.ok && cut.problems[0].description.contains("truncated"))

        let jpeg = try ImageEncoder.encode(picture(1024, 768), as: .jpeg)
        FileManager.default.createFile(atPath: directory + "/liar.png", contents: Data(jpeg))
        let liar = Verifier.verify(path: directory + "/liar.png", expectation: expectation)
        #expect(liar.ok && liar.renamedTo == directory + "/liar.jpg")
        #expect(FileManager.default.fileExists(atPath: directory + "/liar.jpg"))
        #expect(liar.problems[0].description.contains("named .png but is JPEG"))

        let any = VerifyExpectation(model: model, resolution: .twoK, aspect: nil)
        try ImageEncoder.write(picture(2048, 1360), to: directory + "/any.png")
        #expect(Verifier.verify(path: directory + "/any.png", expectation: any).ok)
    }
}
