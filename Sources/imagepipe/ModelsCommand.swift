import ArgumentParser
import Foundation
import VicSee

/// Options for commands that read the model catalogue.
struct CatalogueOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A catalogue file whose entries replace or extend the bundled ones (also $IMAGEPIPE_MODELS).", valueName: "file"))
    var models: String?

    func load() throws -> ModelCatalogue {
        do {
            return try ModelCatalogue.load(overridePath: models)
        } catch let error as CatalogueError {
            printError(error.description)
            throw ExitCode(2)
        }
    }
}

/// `imagepipe models`: the catalogue.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the models imagepipe knows: kinds, ratios, tiers, credits and output sizes.",
        discussion: """
            The catalogue is data bundled with imagepipe; --models FILE (or $IMAGEPIPE_MODELS) replaces or \
            adds entries without rebuilding.

            Examples:
              imagepipe models
              imagepipe models --json | jq '.[] | select(.kind == "image-to-image") | .id'
            """)

    @OptionGroup var catalogue: CatalogueOptions

    @Flag(help: "Write the catalogue as JSON.")
    var json = false

    func run() throws {
        let catalogue = try catalogue.load()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(catalogue.models), as: UTF8.self))
            return
        }
        for model in catalogue.models {
            let credits = model.resolutions.map { "\($0.rawValue) \(model.credits(for: $0) ?? 0)" }.joined(separator: ", ")
            print("\(model.id)  (\(model.family), \(model.kind.rawValue))")
            print("    ratios: \(model.aspectRatios.joined(separator: " "))")
            print("    credits: \(credits)   prompt: \(model.prompt.min)-\(model.prompt.max) chars   references: \(model.references.min)-\(model.references.max)")
            for rule in model.constraints {
                print("    rule: \(rule.aspectRatio) only at \(rule.resolutions.map(\.rawValue).joined(separator: "/")) (\(rule.reason))")
            }
        }
    }
}
