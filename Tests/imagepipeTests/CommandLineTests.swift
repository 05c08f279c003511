import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import ImageCore
import Testing
import VicSee

/// Runs the built `imagepipe` binary as a user would and checks its output, stderr and exit code.
@Suite struct CommandLineTests {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static let binary: String = {
        // The test bundle sits beside the products in .build/<config>/.
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundle, bundle.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("imagepipe").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return package.appendingPathComponent(".build/debug/imagepipe").path
    }()

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// `imagepipe simulate` in its own process on a free port, and the API root it prints.
    static func startSimulator(_ arguments: [String]) throws -> (Process, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["simulate", "--port", "0"] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var text = ""
        while !text.contains("\n") {
            let data = out.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard let base = words.first(where: { $0.hasPrefix("http://127.0.0.1:") }).map(String.init) else {
            process.terminate()
            throw CocoaError(.fileReadUnknown)
        }
        return (process, base)
    }

    /// A directory with one good file of each format, a truncated JPEG and a text file named .png.
    static func workspace() throws -> String {
        let directory = NSTemporaryDirectory() + "imagepipe-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var pixels = [UInt8]()
        for y in 0..<30 { for x in 0..<40 { pixels += [UInt8(x * 6), UInt8(y * 8), 90, x < 20 ? 255 : 0] } }
        let picture = PixelBuffer(width: 40, height: 30, layout: .rgba, pixels: pixels)
        for format in ImageFormat.allCases {
            try ImageEncoder.write(picture, to: "\(directory)/good.\(format.fileExtension)")
        }
        // A photo-sized file, so that cutting it in half cuts the image data rather than the header.
        var generator = SystemRandomNumberGenerator()
        let noise = PixelBuffer(width: 300, height: 200, layout: .rgb,
                                pixels: (0..<180_000).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let jpeg = try ImageEncoder.encode(noise, as: .jpeg)
        FileManager.default.createFile(atPath: directory + "/cut.jpg", contents: Data(jpeg[0..<(jpeg.count / 2)]))
        FileManager.default.createFile(atPath: directory + "/notes.png", contents: Data("hello\n".utf8))
        return directory
    }

    @Test func probeJSONHasEveryField() throws {
        let directory = try Self.workspace()
        let result = try Self.run(["probe", "--json", directory + "/good.png", directory + "/good.jpg"])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        let object = try #require(JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        for key in ["path", "format", "width", "height", "storedWidth", "storedHeight", "orientation", "bytes", "alpha",
                    "animated", "error"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        #expect(object["format"] as? String == "png")
        #expect(object["width"] as? Int == 40)
        #expect(object["alpha"] as? Bool == true)
        #expect(object["error"] is NSNull)
    }

    @Test func probeReportsFailuresAndGoesOn() throws {
        let directory = try Self.workspace()
        let result = try Self.run(["probe", "--json", directory])
        #expect(result.status == 1)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 5)  // cut.jpg (header intact), three good files, notes.png
        let notes = try #require(lines.first { $0.contains("notes.png") })
        #expect(notes.contains("not a JPEG, PNG or WebP file"))
    }

    @Test func probeTextNamesTheFile() throws {
        let directory = try Self.workspace()
        let result = try Self.run(["probe", directory + "/notes.png", directory + "/good.webp"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(directory)/notes.png: not a JPEG, PNG or WebP file"))
        #expect(result.stdout.contains("\(directory)/good.webp: WebP 40×30"))
    }

    @Test func usageErrorsExitWithTwo() throws {
        #expect(try Self.run(["probe"]).status == 2)
        #expect(try Self.run(["probe", "--max-bytes=-3", "x.jpg"]).stderr.contains("expected a non-negative integer for --max-bytes but received -3"))
        #expect(try Self.run(["nonsense"]).status == 2)
        let quality = try Self.run(["convert", "a.jpg", "b.jpg", "--quality", "0"])
        #expect(quality.status == 2)
        #expect(quality.stderr.contains("expected an integer from 1 to 100 for --quality but received 0"))
        #expect(try Self.run(["convert", "a.jpg", "b.gif"]).status == 2)
    }

    @Test func helpHasExamples() throws {
        let help = try Self.run(["probe", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("Examples:"))
    }

    @Test func convertTurnsFormatsAndWritesAtomically() throws {
        let directory = try Self.workspace()
        let ok = try Self.run(["convert", directory + "/good.png", directory + "/out.webp", "--lossless"])
        #expect(ok.status == 0, "\(ok.stderr)")
        let info = try ImageProbe.probe(path: directory + "/out.webp")
        #expect(info.format == .webp && info.width == 40 && info.hasAlpha)

        let failed = try Self.run(["convert", directory + "/cut.jpg", directory + "/never.png"])
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("\(directory)/cut.jpg: truncated JPEG data"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.contains("never") }
        #expect(leftovers.isEmpty)
    }

    @Test func checkFindsTheTruncatedFile() throws {
        let directory = try Self.workspace()
        let result = try Self.run(["check", directory + "/cut.jpg", directory + "/good.jpg"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("cut.jpg: truncated JPEG data (Premature end of JPEG file)"))
        #expect(result.stdout.contains("good.jpg: ok"))
        let lenient = try Self.run(["check", "--fail-on", "none", directory + "/cut.jpg"])
        #expect(lenient.status == 0)
        #expect(lenient.stdout.contains("warning: Premature end of JPEG file"))
    }

    @Test func globsAndEmptyMatches() throws {
        let directory = try Self.workspace()
        let glob = try Self.run(["probe", directory + "/good.*"])
        #expect(glob.status == 0)
        #expect(glob.stdout.split(separator: "\n").count == 3)
        let none = try Self.run(["probe", directory + "/*.tiff"])
        #expect(none.status == 1)
        #expect(none.stderr.contains("no file matches this pattern"))
    }
}

@Suite struct ThumbCommandTests {
    @Test func thumbnailsAFolderAndReportsTheBadFile() throws {
        let directory = try CommandLineTests.workspace()
        let result = try CommandLineTests.run(["thumb", "--size", "16", "--json", "--out", directory + "/thumbs", directory])
        #expect(result.status == 1)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 5)
        let good = try #require(lines.first { $0.contains("good.png") })
        let object = try #require(JSONSerialization.jsonObject(with: Data(good.utf8)) as? [String: Any])
        #expect(object["output"] as? String == directory + "/thumbs/good.png")
        #expect(object["width"] as? Int == 16 && object["height"] as? Int == 12)
        #expect((object["bytes"] as? Int ?? 0) > 0)
        #expect(object["error"] is NSNull)
        let cut = try #require(lines.first { $0.contains("cut.jpg") })
        #expect(cut.contains("truncated JPEG data"))
        #expect(result.stderr.contains("3 of 5 thumbnails"))
        // good.jpg, good.png and good.webp, in their own formats; nothing partial from the two failures.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory + "/thumbs").sorted()
            == ["good.jpg", "good.png", "good.webp"])
    }

    @Test func verboseShowsTheDecisions() throws {
        let directory = try CommandLineTests.workspace()
        let result = try CommandLineTests.run(
            ["thumb", "--width", "20", "--height", "10", "--fit", "cover", "--format", "webp", "--verbose", "--out",
             directory + "/t", directory + "/good.jpg"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("loader: jpeg, DCT scale 1/1"))
        #expect(result.stdout.contains("filter: lanczos3 in gamma light"))
        #expect(result.stdout.contains("cover: centred crop → 20×10"))
        #expect(result.stdout.contains("t/good.webp"))
    }

    /// A progressive JPEG 16 times the box is made from its DC scans; `--fail-on error` reads them all; cut
    /// short, it is still reported truncated.
    @Test func verboseSaysWhenOnlyTheDCScansWereRead() throws {
        let directory = try CommandLineTests.workspace()
        var pixels = [UInt8]()
        for y in 0..<384 { for x in 0..<512 { pixels += [UInt8(x / 2), UInt8(y / 2), UInt8((x ^ y) & 0xFF)] } }
        let photo = try ImageEncoder.encode(PixelBuffer(width: 512, height: 384, layout: .rgb, pixels: pixels), as: .jpeg,
                                            options: EncodeOptions(progressive: true))
        FileManager.default.createFile(atPath: directory + "/progressive.jpg", contents: Data(photo))
        FileManager.default.createFile(atPath: directory + "/cut-progressive.jpg", contents: Data(photo[0..<(photo.count * 3 / 4)]))
        let dc = try CommandLineTests.run(["thumb", "--size", "32", "--verbose", "--out", directory + "/t", directory + "/progressive.jpg"])
        #expect(dc.status == 0, "\(dc.stderr)")
        #expect(dc.stdout.contains("loader: jpeg, DC scans only (1 of 10 scans, "), "\(dc.stdout)")
        let strict = try CommandLineTests.run(
            ["thumb", "--size", "32", "--verbose", "--fail-on", "error", "--overwrite", "--out", directory + "/t",
             directory + "/progressive.jpg"])
        #expect(strict.stdout.contains("loader: jpeg, DCT scale 1/8 → 64×48 (all scans: --fail-on error reads every scan)"))
        let cut = try CommandLineTests.run(["thumb", "--size", "32", "--out", directory + "/t", directory + "/cut-progressive.jpg"])
        #expect(cut.status == 1)
        #expect(cut.stderr.contains("cut-progressive.jpg: truncated JPEG data"), "\(cut.stderr)")
    }

    @Test func usageErrors() throws {
        let negative = try CommandLineTests.run(["thumb", "--size=-3", "--out", "/tmp/x", "a.jpg"])
        #expect(negative.status == 2)
        #expect(negative.stderr.contains("expected a positive integer for --size but received -3"))
        let cover = try CommandLineTests.run(["thumb", "--width", "10", "--fit", "cover", "--out", "/tmp/x", "a.jpg"])
        #expect(cover.status == 2)
        #expect(cover.stderr.contains("--fit cover needs both a width and a height"))
        #expect(try CommandLineTests.run(["thumb", "a.jpg"]).status == 2)  // --out is required
        #expect(try CommandLineTests.run(["thumb", "--format", "gif", "--out", "/tmp/x", "a.jpg"]).status == 2)
    }
}

@Suite struct GenerateCommandTests {
    @Test func textToImageAgainstTheBuiltInSimulator() throws {
        let directory = NSTemporaryDirectory() + "imagepipe-gen-" + UUID().uuidString
        let result = try CommandLineTests.run(["generate", "--model", "gpt-image-2-text-to-image", "--prompt", "a red mug",
                                               "--aspect", "16:9", "--resolution", "2K", "--out", directory, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["simulated"] as? Bool == true)
        #expect(object["width"] as? Int == 2048 && object["height"] as? Int == 1152)
        #expect(object["creditsUsed"] as? Int == 12)
        let output = try #require(object["output"] as? String)
        #expect(output.contains("/SIMULATED-task_sim"))
        #expect(try ImageProbe.probe(path: output).width == 2048)
    }

    @Test func imageToImageWithALocalReference() throws {
        let directory = try CommandLineTests.workspace()
        let result = try CommandLineTests.run(["generate", "--model", "gpt-image-2-image-to-image", "--prompt", "on marble",
                                               "--ref", directory + "/good.png", "--out", directory + "/gen"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("SIMULATED (not a real VicSee output, nothing paid)"))
        #expect(result.stdout.contains("PNG 1280×1024") || result.stdout.contains("PNG 1024×768"))
    }

    @Test func noKeySaysWhatToSet() throws {
        let result = try CommandLineTests.run(["generate", "--backend", "vicsee", "--model", "gpt-image-2-text-to-image", "--prompt", "x"],
                                              environment: ["VICSEE_API_KEY": ""])
        #expect(result.status == 2)
        #expect(result.stderr.contains("VICSEE_API_KEY: set but empty: set it to your VicSee key"))
    }

    @Test func brokenRulesAreRefusedBeforeSpending() throws {
        let result = try CommandLineTests.run(["generate", "--model", "gpt-image-2-text-to-image", "--prompt", "x", "--aspect", "1:1",
                                               "--resolution", "4K"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("cannot make 1:1 at 4K"))
    }

    @Test func modelsListsTheCatalogue() throws {
        let result = try CommandLineTests.run(["models"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("gpt-image-2-image-to-image"))
        #expect(result.stdout.contains("rule: 1:1 only at 1K/2K"))
    }

    /// `imagepipe simulate` as its own process, used by the real client over HTTP.
    @Test(.timeLimit(.minutes(1))) func simulateServesTheAPI() async throws {
        let (process, base) = try CommandLineTests.startSimulator(["--latency", "0.05"])
        defer { process.terminate() }
        let client = VicSeeClient(configuration: VicSeeConfiguration(baseURL: base, apiKey: "sk-simulator-demo"))
        #expect(try await client.credits() == 1000)
        #expect(try await client.models().count >= 6)
    }
}
