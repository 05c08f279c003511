import ArgumentParser
import Foundation
import ImageCore
import Pipeline
import Simulator
import VicSee

/// Reads and parses a pipeline file; a mistake prints file:line:column with a caret and exits 2.
func loadPipeline(_ path: String, catalogue: ModelCatalogue) throws -> PipelineSpec {
    guard let data = FileManager.default.contents(atPath: path) else {
        printError("\(path): cannot read the pipeline file")
        throw ExitCode(2)
    }
    do {
        return try PipelineParser(file: path, catalogue: catalogue).parse(String(decoding: data, as: UTF8.self))
    } catch {
        printError(error.description)
        throw ExitCode(2)
    }
}

/// `imagepipe plan`: what a run would do and cost, with no network and no spending.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what a pipeline would do and cost: no network, no spending.",
        discussion: """
            Lists every item with its inferred aspect ratio (and how far the picture is from it), the tier, \
            the credits, and any rule it breaks; then the totals and the price.

            Examples:
              imagepipe plan pipelines/product-shots.pipe
            """)

    @Argument(help: "The pipeline file.") var file: String
    @OptionGroup var catalogue: CatalogueOptions

    func run() throws {
        let catalogue = try catalogue.load()
        let spec = try loadPipeline(file, catalogue: catalogue)
        let runner = PipelineRunner(spec: spec, catalogue: catalogue)
        let plan = runner.plan()
        print("pipeline \(spec.name): \(plan.items.count) item(s)" + (spec.generate.map { ", model \($0.model)" } ?? ""))
        for item in plan.items {
            var line = "  \(item.name)"
            if let ratio = item.ratio { line += "  ratio \(ratio)" + (item.distortion.map { String(format: " (%.1f%% off)", $0 * 100) } ?? "") }
            if let tier = item.tier { line += "  \(tier.rawValue)" }
            line += "  \(item.credits) credits"
            if !item.problems.isEmpty { line += "  ✗ " + item.problems.joined(separator: "; ") }
            print(line)
        }
        print(String(format: "total: %d credits (about $%.3f)", plan.totalCredits, plan.dollars))
        if plan.items.contains(where: { !$0.problems.isEmpty }) { throw ExitCode(1) }
    }
}

/// `imagepipe run`: execute a pipeline.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline: check, infer ratios, generate, verify, thumbnail, report.",
        discussion: """
            Keeps a journal (SQLite) in the output folder: a run killed at any moment and started again \
            resumes without paying again, and a second run over unchanged inputs does nothing. A submit \
            whose outcome is unknown is reported, not repeated, unless --resubmit-unknown. Ends with \
            report.json and index.html (a contact sheet) in the output folder.

            Examples:
              imagepipe run pipelines/product-shots.pipe
              VICSEE_API_KEY=sk-... imagepipe run pipelines/product-shots-s3.pipe --backend vicsee --max-credits 200
            """)

    @Argument(help: "The pipeline file.") var file: String
    @Option(help: "sim (the simulated service inside imagepipe, nothing paid) or vicsee (the real service).")
    var backend: BackendChoice = .sim
    @Option(help: "API root of the service for --backend vicsee.") var baseURL: String = VicSeeConfiguration.defaultBaseURL
    @Option(help: "Stop submitting once this many credits would be exceeded.") var maxCredits: Int?
    @Option(help: "Generations in flight at once (overrides the pipeline's concurrency).") var jobs: Int?
    @Flag(help: "Send again the submits whose outcome is unknown (this may charge twice).") var resubmitUnknown = false
    @OptionGroup var catalogue: CatalogueOptions

    func run() async throws {
        let catalogue = try catalogue.load()
        var spec = try loadPipeline(file, catalogue: catalogue)
        if let jobs { spec.generate?.concurrency = max(1, jobs) }
        let chosen: Backend =
            switch backend {
            case .sim: .simulator(SimulatorOptions())
            case .vicsee: .vicsee(baseURL: baseURL, apiKey: ProcessInfo.processInfo.environment[VicSeeConfiguration.apiKeyVariable])
            }
        if case .vicsee(_, let key) = chosen, spec.generate != nil {
            // Checked before anything is built or sent; the message names the variable, never the key.
            do { _ = try APIKey.validate(key) } catch {
                printError(error.description)
                throw ExitCode(2)
            }
        }
        var options = RunOptions()
        options.maxCredits = maxCredits
        options.resubmitUnknown = resubmitUnknown
        options.crashAfterWrites = ProcessInfo.processInfo.environment["IMAGEPIPE_CRASH_AFTER_WRITES"].flatMap(Int.init)
        if chosen.isSimulated && spec.generate != nil {
            printError("backend: the simulated service inside imagepipe (outputs are SIMULATED, nothing is paid)")
        }
        let summary: RunSummary
        do {
            summary = try await PipelineRunner(spec: spec, catalogue: catalogue).run(backend: chosen, options: options) { printError($0) }
        } catch {
            printError("\(file): \(error)")
            throw ExitCode(1)
        }
        let done = summary.items.filter { $0.state == "done" }.count
        print("\(done) of \(summary.items.count) done, \(summary.creditsSpent) credits submitted in this run")
        for item in summary.items where item.state != "done" {
            print("  \(item.name): \(item.state) — \(item.problems.joined(separator: "; "))")
        }
        print("report: \(summary.reportPath)\ncontact sheet: \(summary.htmlPath)")
        if done < summary.items.count { throw ExitCode(1) }
    }
}

/// `imagepipe verify`: the verify step on its own.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check generated images: whole, real format, the size paid for, not blank.",
        discussion: """
            Decodes each file in full (a truncated file fails), renames a file whose content is another \
            format than its name says (and reports it), compares its size with the catalogue's size for the \
            model, tier and ratio, and fails single-colour images (what safety filters return).

            Examples:
              imagepipe verify --model gpt-image-2-image-to-image --resolution 2K --aspect 3:2 outputs/*.png
              imagepipe verify --model flux-2-pro-text-to-image --resolution 1K --tolerance 2 downloads/
            """)

    @Option(help: "The model the images were paid for.") var model: String
    @Option(help: "The tier paid for: 1K, 2K or 4K.") var resolution: String
    @Option(help: "The ratio asked for (default: any ratio the model lists).") var aspect: String?
    @Option(help: "Size tolerance in percent.") var tolerance: Double = 0
    @Flag(help: "Accept single-colour images.") var allowBlank = false
    @Flag(help: "Write one JSON object per file.") var json = false
    @OptionGroup var catalogue: CatalogueOptions
    @Argument(help: ArgumentHelp("Files, directories or glob patterns.", valueName: "path")) var paths: [String]

    func validate() throws {
        guard ResolutionTier(resolution) != nil else { throw ValidationError("expected 1K, 2K or 4K for --resolution but received '\(resolution)'") }
        if let aspect, AspectChoice(aspect) == nil { throw ValidationError("expected auto or a ratio such as 16:9 for --aspect but received '\(aspect)'") }
    }

    func run() throws {
        let catalogue = try catalogue.load()
        guard let spec = catalogue.model(model) else {
            printError("unknown model '\(model)'" + (catalogue.suggestion(for: model).map { "; did you mean '\($0)'?" } ?? ""))
            throw ExitCode(2)
        }
        let expectation = VerifyExpectation(model: spec, resolution: ResolutionTier(resolution)!, aspect: aspect.flatMap(AspectChoice.init),
                                            tolerance: tolerance / 100, allowBlank: allowBlank)
        var output = LineWriter()
        let (files, expansionFailures) = expandInputs(paths, json: json, output: &output)
        var failures = expansionFailures
        for file in files {
            let result = Verifier.verify(path: file, expectation: expectation)
            if !result.ok { failures += 1 }
            if json {
                var line = JSONLine()
                line.add("path", file)
                line.add("ok", result.ok)
                line.add("format", result.format?.rawValue)
                line.add("width", result.width)
                line.add("height", result.height)
                line.add("renamedTo", result.renamedTo)
                line.add("problems", result.problems.joined(separator: "; "))
                output.write(line)
            } else if result.ok {
                output.write("\(file): ok, \(result.width ?? 0)×\(result.height ?? 0)" + (result.problems.isEmpty ? "" : " (" + result.problems.joined(separator: "; ") + ")"))
            } else {
                output.error("\(file): " + result.problems.joined(separator: "; "))
            }
        }
        output.flush()
        if failures > 0 { throw ExitCode(1) }
    }
}
