import ArgumentParser
import Foundation
import Pipeline
import VicSee

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
