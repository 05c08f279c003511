import ArgumentParser
import Foundation
import ImageCore
import Pipeline
import VicSee

extension SizeTolerance: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

/// `imagepipe verify`: the verify step on its own.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check generated images: whole, real format, the size paid for, not blank.",
        discussion: """
            Decodes each file in full (any decoder warning fails, unless --fail-on says otherwise), renames a \
            file whose content is another format than its name says (and reports it), checks its size against \
            the catalogue for the model, tier and ratio — exactly where the size is published, by ratio and \
            the tier's pixel band where it is only reported or assumed — names silent downgrades, and fails \
            single-colour images (what safety filters return). Directories are walked without imagepipe's own \
            thumbs/, .work/ and .downloads/ folders.

            A real (not simulated) output that passes with a reported or assumed size is recorded in the \
            observed-sizes file (--observed-sizes, $IMAGEPIPE_OBSERVED_SIZES, or \
            ~/.local/share/imagepipe/observed-sizes.json); later verifies expect exactly that size and name \
            a change.

            Examples:
              imagepipe verify --model nano-banana-pro-text-to-image --resolution 2K \\
                  --aspect 16:9 out/product-shots/
              imagepipe verify --model flux-2-pro-text-to-image --resolution 1K \\
                  --tolerance 2% downloads/
            """)

    /// Folders imagepipe itself writes inside an output folder; a walk never verifies what is in them.
    static let ownFolders: Set<String> = ["thumbs", ".work", ".downloads"]

    @Option(help: "The model the images were paid for.") var model: String
    @Option(help: "The tier paid for: 1K, 2K or 4K.") var resolution: String
    @Option(help: "The ratio asked for (default: any ratio the model lists).") var aspect: String?
    @Option(help: ArgumentHelp("How far each edge may be from the expected size, in percent: 2% or 2.", valueName: "percent"))
    var tolerance = SizeTolerance(fraction: 0)
    @Option(help: "Decode strictness: none, truncated, error or warning (the strictest).")
    var failOn: FailOn = .warning
    @Flag(help: "Accept single-colour images.") var allowBlank = false
    @Option(help: ArgumentHelp("The observed-sizes file (also $IMAGEPIPE_OBSERVED_SIZES).", valueName: "file"))
    var observedSizes: String?
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
        let store = ObservedSizeStore.locate(observedSizes)
        do {
            _ = try store?.load()
        } catch {
            printError(error.description)
            throw ExitCode(2)
        }
        let expectation = VerifyExpectation(model: spec, resolution: ResolutionTier(resolution)!, aspect: aspect.flatMap(AspectChoice.init),
                                            tolerance: tolerance.fraction, allowBlank: allowBlank, failOn: failOn, observedSizes: store)
        var output = LineWriter()
        let expansion = expandInputs(paths, json: json, output: &output, skipping: Self.ownFolders)
        var failures = expansion.failures
        for file in expansion.files {
            let result = Verifier.verify(path: file, expectation: expectation)
            if !result.ok { failures += 1 }
            report(result, output: &output)
        }
        output.flush()
        if failures > 0 { throw ExitCode(1) }
    }

    private func report(_ result: VerifyResult, output: inout LineWriter) {
        if json {
            var line = JSONLine()
            line.add("path", result.path)
            line.add("ok", result.ok)
            line.add("format", result.format?.rawValue)
            line.add("width", result.width)
            line.add("height", result.height)
            line.add("renamedTo", result.renamedTo)
            line.add("simulated", result.simulated)
            line.add("confidence", result.size?.basis.rawValue)
            line.add("expected", json: result.size?.expected.map { "[\($0.width),\($0.height)]" } ?? "null")
            line.add("problems", json: (try? JSONEncoder().encode(result.problems)).map { String(decoding: $0, as: UTF8.self) } ?? "[]")
            output.write(line)
            return
        }
        let failures = result.problems.filter(\.fails).map(\.description)
        let notices = result.problems.filter { !$0.fails }.map(\.description)
        if result.ok {
            var line = "\(result.path): ok, \(result.width ?? 0)×\(result.height ?? 0)"
            if let basis = result.size?.basis { line += ", \(Self.words(for: basis))" }
            output.write(line + (notices.isEmpty ? "" : " (" + notices.joined(separator: "; ") + ")"))
        } else {
            output.error("\(result.path): " + (failures + notices).joined(separator: "; "))
        }
    }

    /// What an ok line says the size was checked against.
    static func words(for basis: SizeBasis) -> String {
        switch basis {
        case .published: "the published size"
        case .observed: "the observed size"
        case .reported: "a reported size: ratio and tier band checked"
        case .assumed: "an assumed size: ratio and tier band checked"
        case .unlisted: "no listed size: ratio and tier band checked"
        }
    }
}
