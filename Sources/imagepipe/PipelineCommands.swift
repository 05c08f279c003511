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
        if case .vicsee(_, let key) = chosen, spec.generate != nil, key?.isEmpty ?? true {
            printError(ServiceError.missingAPIKey(variable: VicSeeConfiguration.apiKeyVariable).description)
            throw ExitCode(1)
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
