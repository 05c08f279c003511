import ArgumentParser
import Foundation
import ImageCore
import Marketplace
import Pipeline
import Simulator
import VicSee

extension SizeTolerance: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

/// `imagepipe verify`: the verify step on its own — the size paid for, marketplace presets, or both.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check generated images: whole, real format, the size paid for, not blank; and marketplace presets.",
        discussion: """
            Decodes each file in full (any decoder warning fails, unless --fail-on says otherwise), renames a \
            file whose content is another format than its name says (and reports it), checks its size against \
            the catalogue for the model, tier and ratio — exactly where the size is published, by ratio and \
            the tier's pixel band where it is only reported or assumed — names silent downgrades, and fails \
            single-colour images (what safety filters return). Directories are walked without imagepipe's own \
            thumbs/, .work/ and .downloads/ folders (and, for the size check, fit/: fitted copies are not the \
            size paid for).

            --preset NAME (repeatable) holds each file to a marketplace preset (amazon-main, \
            amazon-additional, shopify, google-merchant, google-merchant-apparel, or one from --presets FILE) \
            and prints each rule's verdict — pass, FAIL or advice — with the measured value, what was \
            expected and what to change. A file that passes goes to standard output, one that fails a required \
            rule to standard error, and the exit code is 1. Without --model and --resolution only the \
            presets are checked. --ai-generated says the files are AI images (a simulator's outputs are \
            known to be), which makes Google's digital-source-type rule required.

            A real (not simulated) output that passes with a reported or assumed size is recorded in the \
            observed-sizes file (--observed-sizes, $IMAGEPIPE_OBSERVED_SIZES, or \
            ~/.local/share/imagepipe/observed-sizes.json); later verifies expect exactly that size and name \
            a change.

            Examples:
              imagepipe verify -m nano-banana-pro-text-to-image --resolution 2K \\
                  --aspect 16:9 out/product-shots/
              imagepipe verify -m flux-2-pro-text-to-image --resolution 1K \\
                  --tolerance 2% downloads/
              imagepipe verify --preset amazon-main out/amazon-main/fit/
              imagepipe verify --preset shopify --preset google-merchant \\
                  --ai-generated --json shop/
            """)

    /// Folders imagepipe itself writes inside an output folder; a walk never verifies what is in them.
    static let ownFolders: Set<String> = ["thumbs", ".work", ".downloads"]
    /// Where a pipeline's `fit` step writes its copies by default: skipped by the size check only.
    static let fitFolder = "fit"

    @Option(name: .shortAndLong, help: "The model the images were paid for.") var model: String?
    @Option(help: "The tier paid for: 1K, 2K or 4K.") var resolution: String?
    @Option(name: .customLong("preset"), help: ArgumentHelp("A marketplace preset each file must pass (repeatable).", valueName: "name"))
    var presetNames: [String] = []
    @OptionGroup var presetFile: PresetOptions
    @Flag(help: "The files are AI-generated: a preset's AI-provenance rule is then required, not advice.")
    var aiGenerated = false
    @Option(help: "The ratio asked for (default: any ratio the model lists).") var aspect: String?
    @Option(help: ArgumentHelp("How far each edge may be from the expected size, in percent: 2% or 2.", valueName: "percent"))
    var tolerance = SizeTolerance(fraction: 0)
    @Option(help: "Decode strictness: none, truncated, error or warning (the strictest).")
    var failOn: FailOn = .warning
    @Flag(help: "Accept single-colour images.") var allowBlank = false
    @Option(help: ArgumentHelp("The observed-sizes file (also $IMAGEPIPE_OBSERVED_SIZES).", valueName: "file"))
    var observedSizes: String?
    @Flag(help: "Write one JSON object per file.") var json = false
    @OptionGroup var quiet: QuietOption
    @OptionGroup var catalogue: CatalogueOptions
    @OptionGroup var sharding: ShardOptions
    @Argument(help: ArgumentHelp("Files, directories or glob patterns.", valueName: "path")) var paths: [String]

    func validate() throws {
        if model == nil && resolution == nil && presetNames.isEmpty {
            throw ValidationError("give --model and --resolution (the size paid for), --preset NAME (a marketplace's rules), or both")
        }
        if (model == nil) != (resolution == nil) { throw ValidationError("--model and --resolution go together") }
        if let resolution, ResolutionTier(resolution) == nil {
            throw ValidationError("expected 1K, 2K or 4K for --resolution but received '\(resolution)'")
        }
        if let aspect, AspectChoice(aspect) == nil { throw ValidationError("expected auto or a ratio such as 16:9 for --aspect but received '\(aspect)'") }
        try quiet.refuse(json: json)
    }

    func run() throws {
        let expectation = try sizeExpectation()
        var presets: [Preset] = []
        if !presetNames.isEmpty {
            let catalogue = try presetFile.load()
            for name in presetNames {
                do throws(PresetError) {
                    presets.append(try catalogue.preset(name))
                } catch {
                    printError(error.description)
                    throw ExitCode(2)
                }
            }
        }
        var output = LineWriter(quiet: quiet.quiet)
        let skipped = expectation == nil ? Self.ownFolders : Self.ownFolders.union([Self.fitFolder])
        let expansion = expandInputs(paths, json: json, output: &output, skipping: skipped, shard: try sharding.selected())
        var failures = expansion.failures
        for file in expansion.files {
            let result = expectation.map { Verifier.verify(path: file, expectation: $0) }
            let undecodable = result?.problems.contains { $0.kind == "undecodable" } == true
            let judged = presets.isEmpty || undecodable
                ? nil : PresetCheck(path: result?.renamedTo ?? file, presets: presets, aiGenerated: aiGenerated ? true : nil)
            if result?.ok == false || judged?.ok == false { failures += 1 }
            if json {
                reportJSON(result, judged, output: &output)
            } else {
                if let result { report(result, output: &output) }
                judged?.write(to: &output)
            }
        }
        output.flush()
        if failures > 0 { throw ExitCode(1) }
    }

    /// The size check asked for by --model and --resolution, nil without them.
    private func sizeExpectation() throws -> VerifyExpectation? {
        guard let model, let resolution = resolution.flatMap({ ResolutionTier($0) }) else { return nil }
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
        return VerifyExpectation(model: spec, resolution: resolution, aspect: aspect.flatMap(AspectChoice.init),
                                 tolerance: tolerance.fraction, allowBlank: allowBlank, failOn: failOn, observedSizes: store)
    }

    /// One JSON object per file: the size check's fields when it was asked for, `presets` when presets were.
    private func reportJSON(_ result: VerifyResult?, _ judged: PresetCheck?, output: inout LineWriter) {
        var line = JSONLine()
        line.add("path", result?.path ?? judged?.path)
        line.add("ok", result?.ok != false && judged?.ok != false)
        line.add("format", result?.format?.rawValue ?? judged?.format?.rawValue)
        line.add("width", result?.width ?? judged?.width)
        line.add("height", result?.height ?? judged?.height)
        if let result {
            line.add("renamedTo", result.renamedTo)
            line.add("simulated", result.simulated)
            line.add("confidence", result.size?.basis.rawValue)
            line.add("expected", json: result.size?.expected.map { "[\($0.width),\($0.height)]" } ?? "null")
            line.add("problems", json: (try? JSONEncoder().encode(result.problems)).map { String(decoding: $0, as: UTF8.self) } ?? "[]")
        }
        if !presetNames.isEmpty {
            if result == nil { line.add("simulated", judged?.simulated) }
            line.add("presets", json: (try? JSONEncoder().encode(judged?.reports ?? [])).map { String(decoding: $0, as: UTF8.self) } ?? "[]")
            line.add("error", judged?.error)
        }
        output.write(line)
    }

    private func report(_ result: VerifyResult, output: inout LineWriter) {
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
