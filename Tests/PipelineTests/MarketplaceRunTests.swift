import Foundation
import GRDB
import ImageCore
import Marketplace
import Simulator
import Testing
import VicSee
@testable import Pipeline

/// `verify preset` and `fit` in runs against the simulator over loopback: fitted copies that pass
/// amazon-main, verdicts in the journal and report.json, a failing rule rejecting an item, and fits
/// that are kept or remade as their settings say.
@Suite struct MarketplaceRunTests {
    static let amazonMain = try! PresetCatalogue.bundled().preset("amazon-main")

    /// Product photos → generated shots → verify → fit to amazon-main as JPEG → verify preset.
    static func productPipeline(_ directory: String, fit: String = "fit preset amazon-main format jpeg") throws -> PipelineSpec {
        try parse("""
            input \(directory)/*.jpg
            generate model gpt-image-2-image-to-image prompt "The {name} alone on white"
            verify preset amazon-main
            \(fit)
            thumbnail size 64
            output \(directory)/out
            """)
    }

    static func photos(_ names: [String], in directory: String) throws {
        for name in names { try ImageEncoder.write(picture(600, 400), to: "\(directory)/\(name).jpg") }
    }

    static func stem(_ path: String) -> String { ((path as NSString).lastPathComponent as NSString).deletingPathExtension }

    @Test func fittedCopiesPassAmazonMainAndTheReportSaysSo() async throws {
        let server = try await RunTests.server()
        let directory = temporaryDirectory()
        try Self.photos(["mug", "vase"], in: directory)
        let summary = try await RunTests.run(try Self.productPipeline(directory), server)
        #expect(summary.items.map(\.state) == [.done, .done], "\(summary.items.map(\.problems))")
        for item in summary.items {
            let output = try #require(item.output)
            #expect(item.verified == true && item.presets.count == 1)
            let report = try #require(item.presets.first)
            #expect(report.preset == "amazon-main" && report.passed, "\(report.lines)")
            #expect(report.path == "\(directory)/out/fit/\(Self.stem(output)).jpg")
            #expect(try ImageProbe.probe(path: report.path).format == .jpeg)
            // Judged again from scratch: the copy passes, the output it was made from does not (a tinted
            // photo filling the frame has no white background), and the output is still the PNG paid for.
            #expect(try PresetEvaluator.evaluate(Self.amazonMain, path: report.path, aiGenerated: true).passed)
            let raw = try PresetEvaluator.evaluate(Self.amazonMain, path: output, aiGenerated: true)
            #expect(raw.verdict("background")?.outcome == .fail)
            let probe = try ImageProbe.probe(path: output)
            #expect(probe.format == .png && probe.width == item.width && probe.height == item.height)
            // The copy keeps the AI-provenance mark and the simulator's label.
            #expect(try ImageMetadata.read(path: report.path).digitalSourceType?.type == .compositeWithTrainedAlgorithmicMedia)
            #expect(SimulatorMark.isPresent(inFileAt: report.path))
        }
        let items = try #require(try RunTests.report(directory + "/out")["items"] as? [[String: Any]])
        let presets = try #require(items.first?["presets"] as? [[String: Any]])
        #expect(presets.count == 1 && presets[0]["preset"] as? String == "amazon-main" && presets[0]["passed"] as? Bool == true)
        let verdicts = try #require(presets[0]["verdicts"] as? [[String: Any]])
        #expect(verdicts.compactMap { $0["rule"] as? String } == ["format", "long-side", "colour-space", "background", "fill"])
        #expect(verdicts.allSatisfy { $0["outcome"] as? String == "pass" && $0["measured"] is String && $0["source"] is String })
        // Re-framed to 85.5 %; JPEG's ringing round the product's edge may add a little.
        let fill = try #require(verdicts.first { $0["rule"] as? String == "fill" }?["measured"] as? String)
        let share = try #require(Double(fill.prefix { $0 != " " }))
        #expect(share >= 85 && share < 88, "\(fill)")
        await server.stop()
    }

    /// Without fit, the generated output itself is judged: its background is not white, so the item is
    /// rejected with what to change, and a re-run keeps that verdict without paying again.
    @Test func aFailingRequiredRuleRejectsTheItem() async throws {
        let server = try await RunTests.server()
        let directory = temporaryDirectory()
        let spec = try parse("""
            items "red mug"
            generate model gpt-image-2-text-to-image prompt "A {name}" aspect 1:1
            verify preset amazon-main
            output \(directory)
            """)
        let summary = try await RunTests.run(spec, server)
        let item = try #require(summary.items.first)
        #expect(item.state == .rejected && item.verified == true)
        let problem = try #require(item.problems.first { $0.kind == .preset })
        #expect(problem.subject == item.output)
        #expect(problem.reason.hasPrefix("amazon-main: background: "), "\(problem.reason)")
        #expect(problem.reason.contains("— make the background pure white"))
        #expect(item.presets.first?.passed == false && item.presets.first?.verdict("background")?.outcome == .fail)
        let reported = try #require((try RunTests.report(directory)["items"] as? [[String: Any]])?.first)
        #expect(reported["state"] as? String == "rejected")
        #expect((reported["presets"] as? [[String: Any]])?.first?["passed"] as? Bool == false)
        let again = try await RunTests.run(spec, server)
        #expect(again.items == summary.items)
        #expect(await server.counters().submits == 1)
        await server.stop()
    }

    /// A second run leaves the fitted copy alone; a changed fit option remakes it (and the verdicts on
    /// it), never the generation.
    @Test func aReRunKeepsTheFitAndAChangedOptionRemakesIt() async throws {
        let server = try await RunTests.server()
        let directory = temporaryDirectory()
        try Self.photos(["lamp"], in: directory)
        let first = try await RunTests.run(try Self.productPipeline(directory), server)
        let fitted = try #require(first.items.first?.presets.first?.path)
        let made = try #require(OutputFile.fingerprint(fitted))
        let again = try await RunTests.run(try Self.productPipeline(directory), server)
        #expect(OutputFile.fingerprint(fitted) == made)
        #expect(again.items == first.items)

        let requality = try await RunTests.run(try Self.productPipeline(directory, fit: "fit preset amazon-main format jpeg quality 60"), server)
        let remade = try #require(OutputFile.fingerprint(fitted))
        #expect(remade != made && remade.bytes < made.bytes)
        #expect(requality.items.first?.state == .done)

        let png = try await RunTests.run(try Self.productPipeline(directory, fit: "fit preset amazon-main format png"), server)
        let report = try #require(png.items.first?.presets.first)
        #expect(report.path == (fitted as NSString).deletingPathExtension + ".png" && report.passed)
        #expect(try ImageProbe.probe(path: report.path).format == .png)
        #expect(await server.counters().submits == 1)
        await server.stop()
    }

    /// An output that a changed verify setting now rejects loses its fitted copy: the fit folder only
    /// holds copies of outputs that stand. Nothing is generated again.
    @Test func anOutputVerifyNowRejectsLosesItsCopy() async throws {
        let server = try await RunTests.server()
        let directory = temporaryDirectory()
        try Self.photos(["jug"], in: directory)
        let first = try await RunTests.run(try Self.productPipeline(directory), server)
        let fitted = try #require(first.items.first?.presets.first?.path)
        #expect(FileManager.default.fileExists(atPath: fitted))
        let stricter = try parse("""
            input \(directory)/*.jpg
            generate model gpt-image-2-image-to-image prompt "The {name} alone on white"
            verify resolution 2K preset amazon-main
            fit preset amazon-main format jpeg
            output \(directory)/out
            """)
        let rejected = try #require(try await RunTests.run(stricter, server).items.first)
        #expect(rejected.state == .rejected && rejected.verified == false && rejected.presets.isEmpty)
        #expect(!rejected.problems.isEmpty && !rejected.problems.contains { [.fit, .preset].contains($0.kind) })
        #expect(!FileManager.default.fileExists(atPath: fitted))
        let back = try #require(try await RunTests.run(try Self.productPipeline(directory), server).items.first)
        #expect(back.state == .done && back.presets.first?.path == fitted && back.presets.first?.passed == true)
        #expect(FileManager.default.fileExists(atPath: fitted))
        #expect(await server.counters().submits == 1)
        await server.stop()
    }

    /// The issue's own case, with no generation: a cut-out PNG (a product on transparency) becomes a JPEG
    /// that passes amazon-main. A copy that cannot be written rejects the item until a run can make it.
    @Test func aCutOutPNGBecomesAPassingJPEG() async throws {
        let directory = temporaryDirectory()
        var pixels = [UInt8]()
        for y in 0..<800 {
            for x in 0..<1200 {
                let inside = (350..<850).contains(x) && (200..<600).contains(y)
                pixels += inside ? [200, 40, 30, 255] : [0, 0, 0, 0]
            }
        }
        try ImageEncoder.write(PixelBuffer(width: 1200, height: 800, layout: .rgba, pixels: pixels), to: directory + "/sneaker.png")
        let spec = try parse("""
            input \(directory)/sneaker.png
            verify preset amazon-main
            fit preset amazon-main format jpeg
            output \(directory)/out
            """)
        // A file where the fit folder should be: the copy cannot be written.
        try FileManager.default.createDirectory(atPath: directory + "/out", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: directory + "/out/fit", contents: Data("in the way".utf8))
        let blocked = try await PipelineRunner(spec: spec, catalogue: catalogue).run(backend: .simulator(SimulatorOptions()))
        let item = try #require(blocked.items.first)
        #expect(item.state == .rejected && item.presets.isEmpty)
        #expect(item.problems.map(\.kind) == [.fit])
        #expect(item.problems.first?.description == "\(directory)/out/fit: cannot create the folder for fitted copies")

        try FileManager.default.removeItem(atPath: directory + "/out/fit")
        let summary = try await PipelineRunner(spec: spec, catalogue: catalogue).run(backend: .simulator(SimulatorOptions()))
        let fixed = try #require(summary.items.first)
        #expect(fixed.state == .done && fixed.problems.isEmpty, "\(fixed.problems)")
        let report = try #require(fixed.presets.first)
        #expect(report.path == directory + "/out/fit/sneaker.jpg" && report.passed, "\(report.lines)")
        #expect(report.verdict("long-side")?.measured == "1000 px")
        // A photo's copy gets no AI mark: nothing says the cut-out was generated.
        #expect(try ImageMetadata.read(path: report.path).digitalSourceType == nil)
        #expect(FileManager.default.fileExists(atPath: directory + "/sneaker.png"))
    }

    /// An existing journal made before fit and presets opens with its records and their verdicts.
    @Test func aJournalFromBeforeFitOpensWithItsRecords() throws {
        let path = temporaryDirectory() + "/journal.sqlite"
        try Self.sqlite(path, """
            CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
            INSERT INTO grdb_migrations VALUES ('v2 item records');
            CREATE TABLE item_records (key TEXT PRIMARY KEY, name TEXT NOT NULL, input TEXT, state TEXT NOT NULL, model TEXT, tier TEXT,
              ratio TEXT, prompt TEXT, taskID TEXT, backend TEXT, output TEXT, checksum TEXT, format TEXT, verifyKey TEXT, thumbnail TEXT,
              thumbnailKey TEXT, distortion DOUBLE, credits INTEGER, outputBytes INTEGER, outputModified INTEGER, width INTEGER,
              height INTEGER, simulated BOOLEAN NOT NULL, verified BOOLEAN, problems TEXT NOT NULL, updatedAt DOUBLE NOT NULL);
            CREATE TABLE input_hashes (path TEXT PRIMARY KEY, bytes INTEGER NOT NULL, modified INTEGER NOT NULL, inode INTEGER NOT NULL,
              sha256 TEXT NOT NULL);
            INSERT INTO item_records (key, name, state, simulated, verified, problems, updatedAt, taskID)
              VALUES ('k', 'mug', 'done', 0, 1, '[]', 1, 'task-1');
            """)
        let journal = try Journal(path: path)
        let record = try #require(journal.record("k"))
        #expect(record.state == .done && record.taskID == "task-1" && record.verified == true)
        #expect(record.presets.isEmpty && record.fitted == nil)
    }

    /// Runs `sql` on a new SQLite file at `path`, as an older imagepipe would have left its journal.
    static func sqlite(_ path: String, _ sql: String) throws {
        let database = try DatabaseQueue(path: path)
        try database.write { try $0.execute(sql: sql) }
        try database.close()
    }
}

/// Preset names and fit options are checked when the file is read.
@Suite struct MarketplaceParserTests {
    @Test func unknownPresetsAreRefusedWithTheNearestName() {
        let verify = diagnostic("input a.jpg\nverify preset amazon-mian")
        #expect(verify?.line == 2 && verify?.column == 15 && verify?.suggestion == "amazon-main")
        #expect(verify?.message.hasPrefix("unknown preset 'amazon-mian'; the presets are amazon-main, amazon-additional, shopify") == true)
        let listed = diagnostic("input a.jpg\nverify preset amazon-main,shopfy")
        #expect(listed?.message.hasPrefix("unknown preset 'shopfy'") == true && listed?.suggestion == "shopify")
        let fit = diagnostic("input a.jpg\nfit preset google-merchent")
        #expect(fit?.line == 2 && fit?.column == 12 && fit?.suggestion == "google-merchant")
        #expect(fit?.description.contains("test.pipe:2:12: error: unknown preset 'google-merchent'") == true)
    }

    @Test func anOverrideFileAddsPresets() throws {
        let file = temporaryDirectory() + "/presets.json"
        try Data("""
            {"presets": [{"name": "my-shop", "title": "My shop", "rules": [
              {"id": "size", "kind": "long-side", "min": 800, "severity": "required", "source": "", "checked": "2026-11-27", "evidence": "assumed"}]}]}
            """.utf8).write(to: URL(fileURLWithPath: file))
        let presets = try PresetCatalogue.load(overridePath: file, environment: [:])
        let source = "input a.jpg\nverify preset my-shop\nfit preset my-shop"
        let spec = try PipelineParser(file: "x.pipe", catalogue: catalogue, presets: presets).parse(source)
        #expect(spec.verify?.presets == ["my-shop"] && spec.fit?.preset == "my-shop")
        #expect(diagnostic(source)?.message.hasPrefix("unknown preset 'my-shop'") == true)
    }

    @Test func fitOptionsAreChecked() throws {
        let spec = try parse("input a.jpg\nfit flatten square fill 85% long-side 2000 srgb format jpeg quality 80 dir shop")
        let fit = try #require(spec.fit)
        #expect(fit.adjustments == MarketplaceFix.Adjustments(srgb: true, flatten: true, fill: 0.85, square: true, longSide: 2000))
        #expect(fit.line == "fit flatten square fill 85% long-side 2000 srgb format jpeg quality 80 dir shop")
        #expect(try parse(spec.text) == spec)
        #expect(try parse("input a.jpg\nfit fill 0.9").fit?.fill == 0.9)
        #expect(diagnostic("input a.jpg\nfit fill 120%")?.message == "expected a share such as 85% or 0.85 for fill but received '120%'")
        #expect(diagnostic("input a.jpg\nfit")?.message.hasPrefix("'fit' needs a preset or at least one fix") == true)
        #expect(diagnostic("input a.jpg\nfit preset amazon-main format webp")?.message
            == "amazon-main does not accept WebP (it accepts JPEG, PNG, TIFF, GIF); use format jpeg or png")
        #expect(diagnostic("input a.jpg\nfit preset amazon-main long-side 900")?.message
            == "amazon-main needs a long side of at least 1000 px; long-side 900 would fail it")
        #expect(diagnostic("input a.jpg\nfit preset amazon-main fill 80%")?.message
            == "amazon-main needs the product to fill at least 85%; fill 80% would fail it")
        #expect(diagnostic("input a.jpg\nfit flatten dir thumbs\nthumbnail dir thumbs")?.message.contains("same folder 'thumbs'") == true)
    }

    /// Without generate, verify may check presets alone; a size check still needs model and resolution.
    @Test func verifyCanCheckOnlyPresets() throws {
        #expect(try parse("input a.jpg\nverify preset amazon-main,shopify").verify?.presets == ["amazon-main", "shopify"])
        #expect(diagnostic("input a.jpg\nverify preset amazon-main model gpt-image-2-image-to-image")?.message.hasPrefix(
            "without a generate step, verify needs model and resolution") == true)
    }

    /// verify, fit, then the preset check, then thumbnails.
    @Test func theOrderPutsFitBetweenVerifyAndThePresetCheck() throws {
        let spec = try parse("input a.jpg\nthumbnail\nfit preset amazon-main\nverify preset amazon-main\ncheck")
        #expect(PipelineRunner.stages(for: spec).map { String(describing: type(of: $0)) }
            == ["CheckStep", "VerifyStep", "FitStep", "PresetVerification", "ThumbnailStep"])
    }
}
