import ArgumentParser
import Foundation
import ImageCore
import Pipeline
import Simulator
import VicSee

/// `imagepipe generate`: one generation from the command line.
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate one image from text, or edit reference images, and download the result.",
        discussion: """
            The request is checked against the model catalogue before anything is sent or spent. With \
            --backend sim (the default) a simulated service runs inside imagepipe: nothing is paid, and the \
            output is named SIMULATED-… and labelled as simulated in its metadata. With --backend vicsee the \
            key comes from $VICSEE_API_KEY and is never printed.

            Local reference files need a URL the service can fetch: the simulator is served them by \
            imagepipe on 127.0.0.1; the real service gets them through its own storage (POST /upload), \
            or, with --ref-base-url, from where you already host them. They are held to the model's \
            reference limits first (width ÷ height 0.4-2.5, 36 megapixels, 30 MB).

            Examples:
              imagepipe generate -m gpt-image-2-text-to-image \\
                  -p 'a red ceramic mug on oak' --aspect 4:3
              imagepipe generate -m gpt-image-2-image-to-image \\
                  -p 'studio backdrop' --ref samples/mug-phone.jpg
              VICSEE_API_KEY=sk-... imagepipe generate --backend vicsee \\
                  -m gpt-image-2-image-to-image -p 'white background' --ref shoe.jpg
            """)

    @Option(name: .shortAndLong, help: "Model id (imagepipe models lists them).")
    var model: String

    @Option(name: .shortAndLong, help: "What to make, or how to change the references.")
    var prompt: String

    @Option(name: .customLong("ref"), help: ArgumentHelp("A reference image: a URL or a local file (repeatable).", valueName: "url-or-file"))
    var references: [String] = []

    @Option(help: "Resolution tier: 1K, 2K or 4K.")
    var resolution: String = "1K"

    @Option(help: "Aspect ratio: auto or a ratio such as 16:9.")
    var aspect: String = "auto"

    @Option(name: .shortAndLong, help: ArgumentHelp("Folder for the output.", valueName: "dir"))
    var out: String = "out/generated"

    @Option(help: "sim (a simulated service inside imagepipe, nothing paid) or vicsee (the real service).")
    var backend: BackendChoice = .sim

    @Option(help: "API root of the real service.")
    var baseURL: String = VicSeeConfiguration.defaultBaseURL

    @Option(help: ArgumentHelp("Where local reference files are already hosted (real service only; default: uploaded to it).", valueName: "url"))
    var refBaseURL: String?

    @OptionGroup var catalogue: CatalogueOptions

    @Flag(help: "Print the outcome as one JSON object.")
    var json = false

    @OptionGroup var quiet: QuietOption

    func validate() throws {
        try quiet.refuse(json: json)
        guard ResolutionTier(resolution) != nil else {
            throw ValidationError("expected 1K, 2K or 4K for --resolution but received '\(resolution)'")
        }
        guard AspectChoice(aspect) != nil else {
            throw ValidationError("expected auto or a ratio such as 16:9 for --aspect but received '\(aspect)'")
        }
    }

    func run() async throws {
        let catalogue = try catalogue.load()
        let chosen = try backend.backend(baseURL: baseURL)
        let session = try await GenerationSession.open(backend: chosen, catalogue: catalogue, referenceBaseURL: refBaseURL)
        do {
            let outcome = try await generate(session)
            await session.close()
            report(outcome)
        } catch {
            await session.close()
            try ServiceFailure.exit(error, command: "generate")
        }
    }

    private func generate(_ session: GenerationSession) async throws -> GenerationOutcome {
        var urls: [String] = []
        var sizes: [Int] = []
        for reference in references {
            let published = try await session.publish(reference, for: session.catalogue.model(model))
            urls.append(published.url)
            if let bytes = published.bytes { sizes.append(bytes) }
        }
        let request = GenerationRequest(model: model, prompt: prompt, imageURLs: urls, resolution: ResolutionTier(resolution)!,
                                        aspect: AspectChoice(aspect)!, referenceBytes: sizes)
        _ = try request.validate(against: session.catalogue)
        let quiet = json || self.quiet.quiet
        return try await session.generate(request, into: out) { event in
            if !quiet { printError(event) }
        }
    }

    private func report(_ outcome: GenerationOutcome) {
        if quiet.quiet { return }
        if json {
            var line = JSONLine()
            line.add("taskId", outcome.taskID)
            line.add("creditsUsed", outcome.creditsUsed)
            line.add("creditsRemaining", outcome.creditsRemaining)
            line.add("output", outcome.outputPath)
            line.add("format", outcome.format.rawValue)
            line.add("width", outcome.width)
            line.add("height", outcome.height)
            line.add("simulated", outcome.simulated)
            print(String(decoding: line.line, as: UTF8.self))
            return
        }
        let label = outcome.simulated ? "SIMULATED (not a real VicSee output, nothing paid): " : ""
        print("\(label)task \(outcome.taskID), \(outcome.creditsUsed.map(String.init) ?? "?") credits"
            + (outcome.creditsRemaining.map { ", \($0) left" } ?? ""))
        print("\(outcome.outputPath): \(outcome.format.displayName) \(outcome.width)×\(outcome.height)")
        if let rate = outcome.rateLimit, let remaining = rate.remaining {
            print("requests left today: \(remaining)" + (rate.limit.map { " of \($0)" } ?? ""))
        }
    }
}
