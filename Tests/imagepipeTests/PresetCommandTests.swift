import Foundation
import ImageCore
import Testing

/// `imagepipe verify --preset` and the shipped amazon-main pipeline, run as a user would: stdout, stderr
/// and exit code.
@Suite struct PresetCommandTests {
    static func directory() throws -> String {
        let path = NSTemporaryDirectory() + "imagepipe-preset-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A `width`×`height` picture on `background` grey with a dark red product of `product` pixels
    /// square in the middle.
    static func shot(_ width: Int, _ height: Int, product: Int, background: UInt8, to path: String) throws {
        var pixels = [UInt8]()
        pixels.reserveCapacity(width * height * 3)
        let (left, top) = ((width - product) / 2, (height - product) / 2)
        for y in 0..<height {
            for x in 0..<width {
                let inside = (left..<left + product).contains(x) && (top..<top + product).contains(y)
                pixels += inside ? [150, 30, 20] : [background, background, background]
            }
        }
        try ImageEncoder.write(PixelBuffer(width: width, height: height, layout: .rgb, pixels: pixels), to: path)
    }

    @Test func aPassingFileGoesToStandardOutput() throws {
        let directory = try Self.directory()
        let file = directory + "/main.png"
        try Self.shot(1200, 1200, product: 1030, background: 255, to: file)
        let result = try CommandLineTests.run(["verify", "--preset", "amazon-main", file])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        #expect(result.stdout == """
            \(file): amazon-main: passes
              pass format: PNG (expected JPEG, PNG, TIFF, GIF)
              pass long-side: 1200 px (expected ≥ 1000 px and ≤ 10000 px)
              pass colour-space: sRGB (no profile: untagged means sRGB) (expected sRGB)
              pass background: 100.0 % of the border pure white (expected ≥ 98 % within 2 levels of RGB 255,255,255)
              pass fill: 85.8 % (product 1030×1030 in 1200×1200) (expected ≥ 85 %)

            """)
    }

    @Test func aFailingFileGoesToStandardErrorWithWhatToChange() throws {
        let directory = try Self.directory()
        let good = directory + "/good.png", bad = directory + "/bad.png"
        try Self.shot(1200, 1200, product: 1030, background: 255, to: good)
        try Self.shot(999, 999, product: 400, background: 245, to: bad)
        let result = try CommandLineTests.run(["verify", "--preset", "amazon-main", bad, good])
        #expect(result.status == 1)
        #expect(result.stdout.hasPrefix("\(good): amazon-main: passes\n"))
        #expect(result.stderr == """
            \(bad): amazon-main: fails (long-side, background, fill)
              pass format: PNG (expected JPEG, PNG, TIFF, GIF)
              FAIL long-side: 999 px (expected ≥ 1000 px and ≤ 10000 px) — scale it up to 1000 px on the long side (or shoot larger: enlarging adds no detail)
              pass colour-space: sRGB (no profile: untagged means sRGB) (expected sRGB)
              FAIL background: 0.0 % of the border pure white; the rest average rgb(245,245,245) (expected ≥ 98 % within 2 levels of RGB 255,255,255) — make the background pure white (RGB 255,255,255): it is off-white or the product touches the edge
              FAIL fill: 40.0 % (product 400×400 in 999×999) (expected ≥ 85 %) — crop the margins so the product spans 85 % of the frame (pad back to the frame on white)

            """)
    }

    @Test func jsonHasEveryRuleAndSeveralPresets() throws {
        let directory = try Self.directory()
        let file = directory + "/shot.jpg"
        try Self.shot(1200, 1200, product: 1030, background: 255, to: file)
        let result = try CommandLineTests.run(["verify", "--preset", "amazon-main", "--preset", "google-merchant", "--ai-generated", "--json", file])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        let line = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(line["path"] as? String == file && line["ok"] as? Bool == false && line["format"] as? String == "jpeg")
        #expect(line["width"] as? Int == 1200 && line["simulated"] as? Bool == false && line["error"] is NSNull)
        let presets = try #require(line["presets"] as? [[String: Any]])
        #expect(presets.map { $0["preset"] as? String } == ["amazon-main", "google-merchant"])
        #expect(presets.map { $0["passed"] as? Bool } == [true, false])
        // Said to be AI-generated, a file without the IPTC digital source type fails Google's rule.
        let verdicts = try #require(presets[1]["verdicts"] as? [[String: Any]])
        let provenance = try #require(verdicts.first { $0["kind"] as? String == "ai-provenance" })
        #expect(provenance["outcome"] as? String == "fail" && provenance["measured"] as? String == "no digital source type")
        #expect(provenance["fix"] as? String != nil && provenance["source"] as? String != nil && provenance["evidence"] as? String != nil)
    }

    @Test func badNamesAndMissingChecksAreUsageErrors() throws {
        let directory = try Self.directory()
        let file = directory + "/shot.png"
        try Self.shot(100, 100, product: 50, background: 255, to: file)
        let unknown = try CommandLineTests.run(["verify", "--preset", "amazon-mian", file])
        #expect(unknown.status == 2 && unknown.stdout.isEmpty)
        #expect(unknown.stderr.hasPrefix("amazon-mian: no such preset; known: amazon-main, amazon-additional"))
        #expect(unknown.stderr.hasSuffix("; did you mean 'amazon-main'?\n"))
        let nothing = try CommandLineTests.run(["verify", file])
        #expect(nothing.status == 2)
        #expect(nothing.stderr.contains("give --model and --resolution (the size paid for), --preset NAME (a marketplace's rules), or both"))
        let undecodable = directory + "/notes.png"
        FileManager.default.createFile(atPath: undecodable, contents: Data("hello\n".utf8))
        let broken = try CommandLineTests.run(["verify", "--preset", "shopify", undecodable])
        #expect(broken.status == 1 && broken.stdout.isEmpty)
        #expect(broken.stderr.hasPrefix("\(undecodable): "))
    }

    /// The shipped pipeline, on the shipped samples, against the built-in simulator: every product ends
    /// as a JPEG that `verify --preset amazon-main` passes, and the generated outputs themselves do not.
    @Test(.timeLimit(.minutes(3))) func theAmazonMainPipelineEndsInPassingJPEGs() throws {
        let directory = try Self.directory()
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        try FileManager.default.copyItem(atPath: repository.appendingPathComponent("samples").path, toPath: directory + "/samples")
        try FileManager.default.createDirectory(atPath: directory + "/pipelines", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: repository.appendingPathComponent("pipelines/amazon-main.pipe").path,
                                         toPath: directory + "/pipelines/amazon-main.pipe")
        let run = try RunCommandTests.Running(["run", "pipelines/amazon-main.pipe"], in: directory).finish()
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.hasPrefix("5 of 5 done"))
        let fitted = try FileManager.default.contentsOfDirectory(atPath: directory + "/out/amazon-main/fit").sorted()
        #expect(fitted == ["bottle-portrait", "lamp-studio", "mug-phone", "sneaker-cutout", "watch-render"].map { "SIMULATED-\($0).jpg" })
        let verify = try RunCommandTests.Running(["verify", "--preset", "amazon-main", "out/amazon-main/fit/"], in: directory).finish()
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stdout.components(separatedBy: ": amazon-main: passes (simulated: made by imagepipe's simulator, not by VicSee)\n").count == 6)
        let outputs = try RunCommandTests.Running(["verify", "--preset", "amazon-main", "out/amazon-main/"], in: directory).finish()
        #expect(outputs.status == 1)
    }
}
