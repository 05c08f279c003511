import Foundation
import ImageCore
import Simulator
import Testing
import VicSee
@testable import Pipeline

/// The review sheet, opened in a real headless Chromium after real runs (the simulator over loopback, the
/// journal in SQLite): the product-shots demo, a run with failures, an unknown submit and budget-skipped
/// items, and a 2,000-item run. At 400 and 1400 px: every image loads, no console error or failed load,
/// nothing wider than the window, each filter shows the count it says, every link to a file leads to one.
@Suite(.enabled(if: Chromium.executable != nil || ProcessInfo.processInfo.environment["CI"] != nil,
                "chromium is not installed (scripts/test.sh installs Debian's chromium)"))
struct SheetTests {
    static let widths = [400, 1400]

    /// Opens the sheet in `directory` at both widths, checks what every sheet must pass, and returns the
    /// findings. Screenshots go to `directory/../screenshots`.
    @discardableResult
    static func checkSheet(_ directory: String, named name: String, page: String = "index.html",
                           browser: SheetBrowser? = nil) async throws -> [SheetBrowser.Findings] {
        let report = try RunTests.report(directory)
        let counts = try #require(report["counts"] as? [String: Int])
        let items = counts.values.reduce(0, +)
        let shots = (directory as NSString).deletingLastPathComponent + "/screenshots"
        try FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)
        let scratch = (directory as NSString).deletingLastPathComponent
        let opened: SheetBrowser
        if let browser { opened = browser } else { opened = try await SheetBrowser.open(scratch: scratch) }
        var all: [SheetBrowser.Findings] = []
        do {
            for width in widths {
                let found = try await opened.check(directory + "/" + page, width: width, screenshot: "\(shots)/\(name)-\(width).png")
                let at = "\(name) at \(width) px"
                // On a phone the layout viewport is the screen's width only thanks to <meta viewport>; on a
                // desktop the scroll bar takes its part.
                #expect(width < 600 ? found.viewportWidth == width : (width - 20...width).contains(found.viewportWidth),
                        "\(at): the layout viewport is \(found.viewportWidth) px wide")
                #expect(found.pageOverflow <= 0, "\(at): the page scrolls sideways by \(found.pageOverflow) px")
                #expect(found.overflowing.isEmpty, "\(at): \(found.overflowing)")
                #expect(found.brokenImages.isEmpty, "\(at): images that do not load: \(found.brokenImages)")
                #expect(found.errors.isEmpty, "\(at): \(found.errors)")
                #expect(found.items == items, "\(at): \(found.items) cards for \(items) items")
                #expect(found.images > 0 && found.lazyImages == found.images, "\(at): \(found.lazyImages) of \(found.images) images lazy-loaded")
                #expect(Set(found.filters.map(\.state)) == Set(counts.keys).union(["all"]), "\(at): filters \(found.filters.map(\.state))")
                for filter in found.filters {
                    let expected = filter.state == "all" ? items : counts[filter.state] ?? -1
                    #expect(filter.label == expected && filter.visible == expected && filter.foreign == 0,
                            "\(at): filter \(filter.state) says \(filter.label), shows \(filter.visible) (\(filter.foreign) of other states); report.json: \(expected)")
                }
                for link in found.fileLinks {
                    let path = try #require(URL(string: link)).path
                    #expect(FileManager.default.fileExists(atPath: path), "\(at): a link leads nowhere: \(link)")
                }
                all.append(found)
            }
        } catch {
            if browser == nil { await opened.close() }
            throw error
        }
        if browser == nil { await opened.close() }
        return all
    }

    /// The checks can fail: a page wrong in every way the sheet's tests look for — no `<meta viewport>`, a
    /// missing image, a console error and an exception, a box wider than the window and a line wider than its card, a filter that hides
    /// nothing and miscounts, a link to no file — is caught on each count.
    @Test(.timeLimit(.minutes(2))) func theBrowserChecksCatchAWrongPage() async throws {
        let scratch = temporaryDirectory()
        let page = scratch + "/wrong.html"
        try """
            <!doctype html><html><head><meta charset="utf-8"><title>wrong</title></head><body>
            <input type="radio" name="show" id="show-all" checked><input type="radio" name="show" id="show-done">
            <nav class="filters"><label for="show-all" data-state="all">all <span class="n">2</span></label>
            <label for="show-done" data-state="done">done <span class="n">3</span></label></nav>
            <main><article class="item s-done" id="item-1"><img src="thumbs/missing.png" loading="lazy" alt="">
            <pre>\(String(repeating: "x", count: 400))</pre></article>
            <article class="item s-failed" id="item-2"><a href="outputs/missing.png">output</a></article></main>
            <div class="wide" style="width:1500px">a box wider than the window</div>
            <script>console.error("the page says something is wrong"); notAFunction();</script>
            </body></html>
            """.write(toFile: page, atomically: true, encoding: .utf8)
        let browser = try await SheetBrowser.open(scratch: scratch)
        let found: SheetBrowser.Findings
        do {
            found = try await browser.check(page, width: 400, screenshot: scratch + "/wrong-400.png")
        } catch {
            await browser.close()
            throw error
        }
        await browser.close()
        #expect(found.viewportWidth > 400, "without <meta viewport> a phone lays the page out at 980 px: \(found.viewportWidth)")
        #expect(found.brokenImages == ["thumbs/missing.png"])
        #expect(found.errors.contains { $0.contains("the page says something is wrong") }, "\(found.errors)")
        #expect(found.errors.contains { $0.contains("notAFunction") }, "\(found.errors)")
        #expect(found.errors.contains { $0.contains("missing.png") }, "the failed load is reported: \(found.errors)")
        #expect(found.pageOverflow > 0, "\(found.pageOverflow)")
        #expect(found.overflowing.contains { $0.hasPrefix("div.wide reaches") }, "a box past the window's edge: \(found.overflowing)")
        #expect(found.overflowing.contains { $0.hasPrefix("card item-1 holds") }, "a line wider than its card: \(found.overflowing)")
        let done = try #require(found.filters.first { $0.state == "done" })
        #expect(done.label == 3 && done.visible == 2 && done.foreign == 1, "\(found.filters)")
        #expect(found.fileLinks.contains { $0.hasSuffix("/outputs/missing.png") } && !FileManager.default.fileExists(atPath: scratch + "/outputs/missing.png"))
        #expect(found.lazyImages == 1 && found.items == 2)
    }

    static func items(_ directory: String) throws -> [[String: Any]] {
        try #require(try RunTests.report(directory)["items"] as? [[String: Any]])
    }

    /// The demo: `pipelines/product-shots.pipe` over `samples/`, on the default backend (the embedded
    /// simulator), as `bash scripts/demo.sh` runs it.
    @Test(.timeLimit(.minutes(5))) func theProductShotsDemoSheet() async throws {
        let root = ParserTests.repository
        let file = root + "/pipelines/product-shots.pipe"
        var spec = try PipelineParser(file: file, catalogue: catalogue).parse(try String(contentsOfFile: file, encoding: .utf8))
        spec.input = InputStep(spec.inputs.map { root + "/" + $0 })
        let scratch = temporaryDirectory()
        spec.output = OutputStep(scratch + "/out")
        var simulator = SimulatorOptions()
        simulator.latency = 0.05
        simulator.accounts = [SimulatorOptions.demoKey: .init(plan: .enterprise, credits: 100_000)]
        var options = RunOptions()
        options.pipelineFile = "pipelines/product-shots.pipe"
        let summary = try await PipelineRunner(spec: spec, catalogue: catalogue).run(backend: .simulator(simulator), options: options)
        #expect(summary.items.count == 5 && summary.items.allSatisfy { $0.state == .done }, "\(summary.items.map(\.problems))")

        let directory = scratch + "/out"
        let report = try RunTests.report(directory)
        #expect(report["backend"] as? String == "simulator" && report["pipelineFile"] as? String == "pipelines/product-shots.pipe")
        #expect(report["simulated"] as? Bool == true)
        for item in try Self.items(directory) {
            let name = item["name"] as? String ?? ""
            #expect(item["simulated"] as? Bool == true, "\(name)")
            // The size paid for, as verify judged it, and the reference's thumbnail beside the output's.
            #expect((item["expected"] as? [Int])?.count == 2 && item["confidence"] as? String == "reported", "\(name): \(item)")
            #expect(item["width"] as? Int == (item["expected"] as? [Int])?.first, "\(name)")
            let reference = try #require(item["referenceThumbnail"] as? String, "\(name)")
            #expect(reference == directory + "/thumbs/references/\(name).webp")
            #expect(try ImageProbe.probe(path: reference).width <= 256)
        }
        let browser = try await SheetBrowser.open(scratch: scratch)
        for found in try await Self.checkSheet(directory, named: "product-shots", browser: browser) {
            #expect(found.images == 10, "a reference and an output per item")
            #expect(found.simulatedBadges == 5)
            #expect(found.fileLinks.count == 10, "\(found.fileLinks)")
        }

        // A second run remakes no thumbnail, of the reference or the output.
        let thumbnails = try FileManager.default.subpathsOfDirectory(atPath: directory + "/thumbs").filter { $0.hasSuffix(".webp") }
        let times = try thumbnails.map { try FileManager.default.attributesOfItem(atPath: directory + "/thumbs/" + $0)[.modificationDate] as? Date }
        _ = try await PipelineRunner(spec: spec, catalogue: catalogue).run(backend: .simulator(simulator), options: options)
        #expect(try thumbnails.map { try FileManager.default.attributesOfItem(atPath: directory + "/thumbs/" + $0)[.modificationDate] as? Date } == times)
        #expect(thumbnails.count == 10)

        // Rule verdicts, when the report holds them (`presets`), have their place on each card.
        let rules = try Self.sheetWithRuleVerdicts(directory)
        for found in try await Self.checkSheet(directory, named: "product-shots-rules", page: rules, browser: browser) {
            #expect(found.ruleSections == 5)
        }
        await browser.close()
    }

    /// The demo's report with marketplace verdicts added to every item, as `verify preset` writes them,
    /// rendered as a second sheet beside the first; returns its file name.
    static func sheetWithRuleVerdicts(_ directory: String) throws -> String {
        let data = try #require(FileManager.default.contents(atPath: directory + "/report.json"))
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let verdicts: [[String: Any]] = [
            ["rule": "format", "kind": "format", "outcome": "pass", "measured": "PNG", "expected": "JPEG, PNG, TIFF or GIF",
             "evidence": "published", "source": "sellercentral.amazon.com", "checked": "2026-11-27"],
            ["rule": "white-background", "kind": "white-background", "outcome": "fail", "measured": "61.0 % white; the rest rgb(201,180,140)",
             "expected": "≥ 98 % of the border within 2 levels of white", "fix": "put the product on pure white (RGB 255,255,255)",
             "evidence": "quoted", "source": "image guide", "checked": "2026-11-27", "assumption": "tolerance and share assumed"],
            ["rule": "srgb", "kind": "color-space", "outcome": "advisory", "measured": "Display P3", "expected": "sRGB",
             "fix": "convert to sRGB", "evidence": "published", "source": "sellercentral.amazon.com", "checked": "2026-11-27"],
        ]
        var items = try #require(object["items"] as? [[String: Any]])
        for index in items.indices {
            items[index]["presets"] = [["preset": "amazon-main", "path": items[index]["output"] ?? "", "passed": false, "verdicts": verdicts]]
        }
        object["items"] = items
        let json = try JSONSerialization.data(withJSONObject: object)
        let report = try JSONDecoder().decode(DecodedReport.self, from: json)
        let sheet = ReviewSheet(report: report.report, json: json, directory: directory)
        #expect(sheet.rules.allSatisfy { if case .presets(let presets) = $0 { presets.first?.passes == false } else { false } })
        try sheet.html.write(toFile: directory + "/index-rules.html", atomically: true, encoding: .utf8)
        return "index-rules.html"
    }

    /// A report read back from report.json.
    struct DecodedReport: Decodable {
        var report: ReportWriter.Report

        enum Keys: String, CodingKey { case schema, pipeline, pipelineFile, generatedAt, backend, counts, credits, price, simulated, items }

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            report = ReportWriter.Report(
                schema: try c.decode(Int.self, forKey: .schema), pipeline: try c.decode(String.self, forKey: .pipeline),
                pipelineFile: try c.decodeIfPresent(String.self, forKey: .pipelineFile), generatedAt: try c.decode(String.self, forKey: .generatedAt),
                backend: try c.decodeIfPresent(String.self, forKey: .backend), counts: try c.decode([String: Int].self, forKey: .counts),
                credits: try c.decode(Int.self, forKey: .credits), price: try c.decode(Double.self, forKey: .price),
                simulated: try c.decode(Bool.self, forKey: .simulated), items: try c.decode([ItemReport].self, forKey: .items))
        }
    }

    /// A standalone simulator used as `--backend vicsee` (the run cannot know it is one but for its answers'
    /// header), with a reference that cannot be read, a task that fails, a submit whose answer is lost, an
    /// output of the wrong ratio, and items the budget leaves unsent; one file name full of HTML.
    @Test(.timeLimit(.minutes(5))) func aRunWithFailuresUnknownAndBudgetSkippedItems() async throws {
        let server = try await RunTests.server { $0.failureRate = 0.3; $0.seed = 2 }
        await server.inject(.dropSubmits(1))
        let scratch = temporaryDirectory()
        let references = scratch + "/references"
        try FileManager.default.createDirectory(atPath: references, withIntermediateDirectories: true)
        // Items run in file-name order: `a` is the dropped submit, `b-square` comes back square, `d` and
        // `f` draw failures (seed 2's fifth and seventh draws; the first four, `a`'s among them, pass
        // whatever their order), the odd name finds the budget spent.
        for name in ["a", "b", "c", "d", "e", "f", "g", "odd <b>&\"name\""] { try ImageEncoder.write(picture(320, 180), to: "\(references)/\(name).jpg") }
        try ImageEncoder.write(picture(200, 200), to: references + "/b-square.png")
        _ = FileManager.default.createFile(atPath: references + "/broken.jpg", contents: Data("not a picture at all".utf8))
        let directory = scratch + "/out"
        let spec = try parse("""
            pipeline failures
            input \(references)/
            generate model gpt-image-2-image-to-image prompt "Put the {name} on a light oak table, soft daylight" concurrency 1
            verify aspect 16:9
            thumbnail size 128
            output \(directory)
            """)
        let summary = try await RunTests.run(spec, server) { $0.maxCredits = 48 }
        let states = Set(summary.items.map(\.state))
        #expect(states.isSuperset(of: [.done, .rejected, .failed, .unknown, .budget]), "\(summary.items.map { ($0.name, $0.state) })")
        let kinds = Set(summary.items.flatMap(\.problems).map(\.kind))
        #expect(kinds.isSuperset(of: [.unreadable, .taskFailed, .unknownOutcome, .wrongRatio, .budget]), "\(kinds)")

        let report = try RunTests.report(directory)
        #expect(report["backend"] as? String == server.baseURL)
        #expect(report["simulated"] as? Bool == true)
        // The simulator's answers said what it is: every item it made something for is marked, and named so.
        for item in summary.items where item.taskID != nil {
            #expect(item.simulated, "\(item.name)")
            if let output = item.output { #expect((output as NSString).lastPathComponent.hasPrefix("SIMULATED-"), "\(output)") }
        }
        #expect(summary.items.filter { $0.taskID == nil }.allSatisfy { !$0.simulated })
        let simulated = summary.items.filter(\.simulated).count
        let html = try String(contentsOfFile: directory + "/index.html", encoding: .utf8)
        #expect(!html.contains("<b>&\"name\""), "a name is escaped, never markup")
        for found in try await Self.checkSheet(directory, named: "failures") {
            #expect(found.simulatedBadges == simulated)
        }
        await server.stop()
    }

    /// 2,000 items (small simulated outputs, some failed, the last ones past the budget): the sheet stays a
    /// page, not a data dump, its thumbnails load lazily — few are fetched before anything scrolls — and
    /// every one of them loads when it is wanted.
    @Test(.timeLimit(.minutes(15))) func aTwoThousandItemRun() async throws {
        let scratch = temporaryDirectory()
        let directory = scratch + "/out"
        let names = (1...2000).map { "\"item \($0)\"" }.joined(separator: " ")
        let spec = try parse("""
            pipeline many
            items \(names)
            generate model gpt-image-2-text-to-image prompt "A {name} on white" aspect 1:1 concurrency 32
            thumbnail size 48
            output \(directory)
            """)
        var simulator = SimulatorOptions()
        simulator.latency = 0.02
        simulator.downgrade = .size(PixelSize(width: 48, height: 48))
        simulator.failureRate = 0.01
        simulator.seed = 5
        simulator.accounts = [SimulatorOptions.demoKey: .init(plan: .enterprise, credits: 100_000)]
        var options = RunOptions()
        // Room for 1,800 charges: the last items meet the budget whatever the share of failed (refunded) tasks.
        options.maxCredits = 8 * 1800
        let summary = try await PipelineRunner(spec: spec, catalogue: catalogue).run(backend: .simulator(simulator), options: options)
        let states = Set(summary.items.map(\.state))
        #expect(states.isSuperset(of: [.done, .failed, .budget]), "\(Dictionary(grouping: summary.items, by: \.state).mapValues(\.count)), \(summary.creditsCommitted) credits")
        let bytes = try #require(try FileManager.default.attributesOfItem(atPath: directory + "/index.html")[.size] as? Int)
        #expect(bytes < 2000 * 2500, "the sheet is \(bytes) bytes for 2,000 items")
        for found in try await Self.checkSheet(directory, named: "two-thousand") {
            #expect(found.imagesFetchedAtLoad < 100, "\(found.imagesFetchedAtLoad) thumbnails fetched before anything scrolled at \(found.width) px")
            #expect(found.images == summary.items.filter { $0.thumbnail != nil }.count)
        }
    }
}
