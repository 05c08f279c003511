import Foundation
import ImageCore
import Testing
import VicSee

/// `imagepipe verify` and `imagepipe models` as a user runs them: sizes with their confidence, downgrades
/// named, observed sizes recorded from real outputs only, imagepipe's own folders skipped, one tolerance
/// syntax.
@Suite struct VerifyCommandTests {
    static func directory() throws -> String {
        let path = NSTemporaryDirectory() + "imagepipe-verify-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A non-blank picture made by the test: to imagepipe, a real output.
    static func picture(_ width: Int, _ height: Int, to path: String) throws {
        var pixels = [UInt8](repeating: 60, count: width * height * 3)
        for index in stride(from: 0, to: pixels.count, by: 3) { pixels[index] = UInt8((index / 3) % width % 256) }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try ImageEncoder.write(PixelBuffer(width: width, height: height, layout: .rgb, pixels: pixels), to: path)
    }

    /// Runs imagepipe with the observed sizes kept in `store`, never in the user's home.
    static func run(_ arguments: [String], store: String) throws -> CommandLineTests.Result {
        try CommandLineTests.run(arguments, environment: [ObservedSizeStore.environmentVariable: store])
    }

    @Test func walksSkipImagepipesOwnFolders() throws {
        let out = try Self.directory()
        let store = out + "-observed.json"
        try Self.picture(1024, 1024, to: out + "/mug.png")
        for own in ["thumbs", ".work", ".downloads", "fit", "nested/thumbs"] { try Self.picture(64, 64, to: "\(out)/\(own)/mug.png") }
        let nano = ["verify", "--model", "nano-banana-pro-text-to-image", "--resolution", "1K", "--aspect", "1:1"]
        let walked = try Self.run(nano + [out], store: store)
        #expect(walked.status == 0, "\(walked.stderr)")
        #expect(walked.stdout == "\(out)/mug.png: ok, 1024×1024, the published size\n")
        #expect(walked.stderr.isEmpty)
        // Named one by one, a file in those folders is verified like any other.
        let named = try Self.run(nano + [out + "/thumbs/mug.png"], store: store)
        #expect(named.status == 1)
        #expect(named.stderr.contains("\(out)/thumbs/mug.png: downgraded: 1K paid, image smaller than any tier received (64×64)"))
        // A folder holding only imagepipe's own files is reported, not passed silently.
        let onlyOwn = try Self.run(nano + [out + "/nested"], store: store)
        #expect(onlyOwn.status == 1)
        #expect(onlyOwn.stderr.contains("\(out)/nested: only files in .downloads/, .work/, fit/, thumbs/ here, which are skipped"))
    }

    @Test func toleranceIsAPercentageWithOrWithoutTheSign() throws {
        let out = try Self.directory()
        let store = out + "-observed.json"
        try Self.picture(1392, 768, to: out + "/wide.png")  // published 1376×768: 1.2 % wider
        let nano = ["verify", "--model", "nano-banana-pro-text-to-image", "--resolution", "1K", "--aspect", "16:9"]
        let exact = try Self.run(nano + [out + "/wide.png"], store: store)
        #expect(exact.status == 1)
        #expect(exact.stderr.contains("wrong size: 1392×768 is not the size paid for (nano-banana-pro-text-to-image 1K 16:9: 1376×768 published)"))
        for tolerance in ["2%", "2", "1.5 %"] {
            let tolerant = try Self.run(nano + ["--tolerance", tolerance, out + "/wide.png"], store: store)
            #expect(tolerant.status == 0, "--tolerance \(tolerance): \(tolerant.stderr)")
        }
        let bad = try Self.run(nano + ["--tolerance", "2%%", out + "/wide.png"], store: store)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--tolerance"))
    }

    /// A simulator that silently downgrades, `generate` against it, then `verify` in text and JSON.
    @Test(.timeLimit(.minutes(1))) func aDowngradeThroughGenerateAndVerify() throws {
        let (simulator, base) = try CommandLineTests.startSimulator(["--latency", "0.05", "--downgrade", "1K"])
        defer { simulator.terminate() }
        let out = try Self.directory()
        let store = out + "/observed.json"
        let generated = try CommandLineTests.run(
            ["generate", "--backend", "vicsee", "--base-url", base, "--model", "nano-banana-pro-text-to-image", "--prompt", "a red mug",
             "--resolution", "4K", "--aspect", "1:1", "--out", out, "--json"],
            environment: ["VICSEE_API_KEY": "sk-simulator-demo"])
        #expect(generated.status == 0, "\(generated.stderr)")
        let object = try #require(JSONSerialization.jsonObject(with: Data(generated.stdout.utf8)) as? [String: Any])
        let output = try #require(object["output"] as? String)
        #expect(object["creditsUsed"] as? Int == 36 && object["width"] as? Int == 1024)

        let nano = ["verify", "--model", "nano-banana-pro-text-to-image", "--resolution", "4K", "--aspect", "1:1"]
        let text = try Self.run(nano + [output], store: store)
        #expect(text.status == 1)
        #expect(text.stdout.isEmpty)
        #expect(text.stderr == "\(output): downgraded: 4K paid, 1K-size image received (1024×1024); simulated: made by imagepipe's simulator, not by VicSee\n")

        let json = try Self.run(nano + ["--json", output], store: store)
        #expect(json.status == 1)
        let line = try #require(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(line["ok"] as? Bool == false && line["simulated"] as? Bool == true)
        #expect(line["confidence"] as? String == "published")
        #expect(line["expected"] as? [Int] == [4096, 4096])
        let problems = try #require(line["problems"] as? [[String: Any]])
        #expect(problems.map { $0["kind"] as? String } == ["simulated", "downgraded"])
        let downgrade = problems[1]
        #expect(downgrade["message"] as? String == "downgraded: 4K paid, 1K-size image received (1024×1024)")
        #expect(downgrade["tier"] as? String == "4K" && downgrade["received"] as? String == "1K")
        #expect(downgrade["width"] as? Int == 1024 && downgrade["height"] as? Int == 1024)
        // Nothing a simulator made is recorded.
        #expect(!FileManager.default.fileExists(atPath: store))
    }

    @Test func realOutputsAreRecordedListedAndAChangeIsNamed() throws {
        let out = try Self.directory()
        let store = out + "/state/observed.json"
        try Self.picture(2048, 1152, to: out + "/a.png")
        try Self.picture(2064, 1152, to: out + "/later/b.png")
        let gpt = ["verify", "--model", "gpt-image-2-text-to-image", "--resolution", "2K", "--aspect", "16:9"]
        let first = try Self.run(gpt + [out + "/a.png"], store: store)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == "\(out)/a.png: ok, 2048×1152, a reported size: ratio and tier band checked\n")
        let again = try Self.run(gpt + [out + "/a.png"], store: store)
        #expect(again.stdout == "\(out)/a.png: ok, 2048×1152, the observed size\n")
        let changed = try Self.run(gpt + ["--json", out + "/later/b.png"], store: store)
        #expect(changed.status == 0)
        let line = try #require(JSONSerialization.jsonObject(with: Data(changed.stdout.utf8)) as? [String: Any])
        let problem = try #require((line["problems"] as? [[String: Any]])?.first)
        #expect(problem["kind"] as? String == "size-changed" && problem["from"] as? [Int] == [2048, 1152] && problem["to"] as? [Int] == [2064, 1152])

        let listed = try Self.run(["models", "--observed"], store: store)
        #expect(listed.status == 0)
        #expect(listed.stdout.contains("observed sizes in \(store):"))
        #expect(listed.stdout.contains("gpt-image-2-text-to-image 2K 16:9: 2064×1152, seen 1 time"))
        #expect(listed.stdout.contains("(catalogue: 2048×1152 reported); changed from 2048×1152 on "))
        let viaFlag = try CommandLineTests.run(["models", "--observed", "--json", "--observed-sizes", store])
        let entries = try #require(JSONSerialization.jsonObject(with: Data(viaFlag.stdout.utf8)) as? [[String: Any]])
        #expect(entries.count == 1 && entries[0]["size"] as? [Int] == [2064, 1152])

        try Data("not json".utf8).write(to: URL(fileURLWithPath: store))
        let broken = try Self.run(gpt + [out + "/a.png"], store: store)
        #expect(broken.status == 2)
        #expect(broken.stderr.hasPrefix("\(store): invalid observed sizes"))
    }

    @Test func modelsShowSizesWithConfidencePricesAndSources() throws {
        let result = try CommandLineTests.run(["models"])
        #expect(result.status == 0)
        let nano = try #require(result.stdout.components(separatedBy: "nano-banana-pro-text-to-image  (").dropFirst().first)
        #expect(nano.contains("credits: 1K 18 ($0.108), 2K 18 ($0.108), 4K 36 ($0.216)"))
        #expect(nano.contains("  16:9        1376×768 published   2752×1536 published"))
        #expect(nano.contains("5504×3072 published"))
        #expect(nano.contains("published: Published by Google for Gemini 3 Pro Image"))
        let gpt = try #require(result.stdout.components(separatedBy: "gpt-image-2-text-to-image  (").dropFirst().first)
        #expect(gpt.contains("1024×1024 reported"))
        #expect(gpt.contains("3504×2336 assumed"))
        #expect(gpt.contains("reported: Other hosts of GPT Image 2 report these sizes"))
        #expect(result.stdout.contains("credits: 1K 8 ($0.048), 2K 12 ($0.072), 4K 20 ($0.120)"))
    }

    @Test func simulateRefusesAnUnknownDowngrade() throws {
        let result = try CommandLineTests.run(["simulate", "--port", "0", "--downgrade", "8K"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--downgrade"))
    }
}
