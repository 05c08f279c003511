import ArgumentParser
import Foundation
import ImageCore
import Pipeline
import Simulator
import VicSee

/// `imagepipe upscale`: one image through the service's upscale tool.
struct UpscaleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upscale",
        abstract: "Enlarge an image with the service's upscale tool, and check the result's size.",
        discussion: """
            Upscales a local image by --factor (the service offers 2 and 4), or by the smallest factor that \
            brings its long side to --to pixels (nothing is sent or paid when it is already that long). \
            Credits follow the output size: up to 24 MP 20, up to 48 MP 40, up to 96 MP 80; larger outputs \
            are refused before anything is sent. The file reaches the service the way references do: \
            served on 127.0.0.1 to the simulator, put in the service's own storage (POST /upload) for the \
            real one. The result is saved as NAME@4x.png and must be exactly the image times the factor \
            (exit 1 otherwise). With --backend sim (the default) nothing is paid and the output is SIMULATED.

            Examples:
              imagepipe upscale --to 4000 out/product-shots/SIMULATED-mug.png
              VICSEE_API_KEY=sk-... imagepipe upscale --backend vicsee \\
                  --factor 2 -o big shoe.png
            """)

    @Argument(help: ArgumentHelp("The image to enlarge (JPEG, PNG or WebP).", valueName: "file"))
    var file: String

    @Option(help: "Enlarge by this factor (2 or 4).")
    var factor: Int?

    @Option(name: .customLong("to"), help: ArgumentHelp("Enlarge until the long side is at least this many pixels.", valueName: "px"))
    var longSide: Int?

    @Option(name: .shortAndLong, help: ArgumentHelp("Folder for the output.", valueName: "dir"))
    var out: String = "out/upscaled"

    @Option(help: "sim (a simulated service inside imagepipe, nothing paid) or vicsee (the real service).")
    var backend: BackendChoice = .sim

    @Option(help: "API root of the real service.")
    var baseURL: String = VicSeeConfiguration.defaultBaseURL

    @OptionGroup var catalogue: CatalogueOptions

    @Flag(help: "Print the outcome as one JSON object.")
    var json = false

    @OptionGroup var quiet: QuietOption

    func validate() throws {
        try quiet.refuse(json: json)
        guard (factor == nil) != (longSide == nil) else { throw ValidationError("give --factor N or --to PX (one of them)") }
        if let longSide, longSide < 1 { throw ValidationError("expected a positive number of pixels for --to but received \(longSide)") }
    }

    func run() async throws {
        let catalogue = try catalogue.load()
        let chosen = try backend.backend(baseURL: baseURL)
        let session = try await GenerationSession.open(backend: chosen, catalogue: catalogue)
        let outcome: UpscaleOutcome?
        do {
            let quiet = json || self.quiet.quiet
            outcome = try await session.upscale(file, factor: factor, longSide: longSide, into: out) { event in
                if !quiet { printError(event) }
            }
            await session.close()
        } catch {
            await session.close()
            try ServiceFailure.exit(error, command: "upscale", file: file)
        }
        guard let outcome else {
            if !quiet.quiet { print("\(file): nothing to do, its long side is already at least \(longSide ?? 0) px") }
            return
        }
        report(outcome)
        if !outcome.verdict.ok { throw ExitCode(1) }
    }

    private func report(_ outcome: UpscaleOutcome) {
        let problems = outcome.verdict.problems.filter(\.fails).map(\.description)
        if quiet.quiet {
            for problem in problems { printError("\(outcome.outputPath): \(problem)") }
            return
        }
        if json {
            var line = JSONLine()
            line.add("taskId", outcome.taskID)
            line.add("factor", outcome.factor)
            line.add("credits", outcome.credits)
            line.add("output", outcome.outputPath)
            line.add("width", outcome.width)
            line.add("height", outcome.height)
            line.add("simulated", outcome.simulated)
            line.add("ok", outcome.verdict.ok)
            line.add("problem", problems.first)
            print(String(decoding: line.line, as: UTF8.self))
            return
        }
        let label = outcome.simulated ? "SIMULATED (not a real VicSee output, nothing paid): " : ""
        print("\(label)upscale task \(outcome.taskID), ×\(outcome.factor), \(outcome.credits.map(String.init) ?? "?") credits")
        print("\(outcome.outputPath): \(outcome.format.displayName) \(outcome.width)×\(outcome.height)"
            + (problems.isEmpty ? ", the size paid for" : " — " + problems.joined(separator: "; ")))
        if let rate = outcome.rateLimit, let remaining = rate.remaining {
            print("requests left today: \(remaining)" + (rate.limit.map { " of \($0)" } ?? ""))
        }
    }
}
