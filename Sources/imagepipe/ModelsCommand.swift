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
        abstract: "List the models imagepipe knows: kinds, ratios, tiers, credits, prices and output sizes.",
        discussion: """
            Each output size shows its confidence: published (verify checks the exact size), reported by \
            other hosts (verify checks the ratio and the tier's pixel band) or assumed (the same, and verify \
            says the exact size is unverified); each table's source follows it. --observed lists the sizes \
            seen in real outputs instead (the observed-sizes file).

            The catalogue is data bundled with imagepipe; --models FILE (or $IMAGEPIPE_MODELS) replaces or \
            adds entries without rebuilding.

            Examples:
              imagepipe models
              imagepipe models --observed
              imagepipe models --json \\
                  | jq '.[] | select(.kind == "image-to-image") | .id'
            """)

    @OptionGroup var catalogue: CatalogueOptions

    @Flag(help: "Write the catalogue (or, with --observed, the observed sizes) as JSON.")
    var json = false

    @Flag(help: "List the output sizes seen in real outputs, from the observed-sizes file.")
    var observed = false

    @Option(help: ArgumentHelp("The observed-sizes file (also $IMAGEPIPE_OBSERVED_SIZES).", valueName: "file"))
    var observedSizes: String?

    func run() throws {
        let catalogue = try catalogue.load()
        if observed { return try listObserved(catalogue) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(catalogue.models), as: UTF8.self))
            return
        }
        for model in catalogue.models {
            let credits = model.resolutions.map { tier in
                let credits = model.credits(for: tier) ?? 0
                return "\(tier.rawValue) \(credits) (" + String(format: "$%.3f", Double(credits) * model.dollarsPerCredit) + ")"
            }.joined(separator: ", ")
            print("\(model.id)  (\(model.family), \(model.kind.rawValue))")
            print("    ratios: \(model.aspectRatios.joined(separator: " "))")
            print("    credits: \(credits)")
            print("    prompt: \(model.prompt.min)-\(model.prompt.max) chars   references: \(model.references.min)-\(model.references.max)"
                + Self.referenceLimits(model.references))
            for rule in model.constraints {
                print("    rule: \(rule.aspectRatio) only at \(rule.resolutions.map(\.rawValue).joined(separator: "/")) (\(rule.reason))")
            }
            for line in Self.sizeTable(model) { print("    " + line) }
        }
        if let service = catalogue.service {
            let tiers = service.upscale.tiers.map { "≤ \(Int($0.maxMegapixels)) MP \($0.credits)" }.joined(separator: ", ")
            print("upscale (POST /tools/upscale-image): factors \(service.upscale.factors.map(String.init).joined(separator: ", ")); credits by output size: \(tiers); larger refused")
            print("    source: \(service.upscale.source)")
            print("upload (POST /upload): \(service.upload.contentTypes.joined(separator: ", ")), at most \(service.upload.maxBytes) bytes")
            print("    source: \(service.upload.source)")
            print("inline (data: URIs): at most \(service.inline.maxBytes) bytes (\(service.inline.confidence.rawValue))")
            print("    source: \(service.inline.source)")
        }
    }

    /// The service's limits for each reference, as ` (at most 30000000 bytes, 36 MP, width ÷ height 0.4–2.5)`.
    static func referenceLimits(_ limits: ModelSpec.ReferenceLimits) -> String {
        guard limits.max > 0 else { return "" }
        var parts = ["at most \(limits.maxBytes) bytes"]
        if let megapixels = limits.maxMegapixels { parts.append(String(format: "%g MP", megapixels)) }
        if let ratio = limits.ratio { parts.append("width ÷ height \(ratio)") }
        return " (" + parts.joined(separator: ", ") + ")"
    }

    /// The output sizes as a table, a row per ratio and a column per tier, each size with its confidence,
    /// then each confidence's source.
    static func sizeTable(_ model: ModelSpec) -> [String] {
        let ratios = (["auto"] + model.aspectRatios).reduce(into: [String]()) { list, ratio in
            if !list.contains(ratio), model.resolutions.contains(where: { model.outputSize(aspect: AspectChoice(ratio) ?? .auto, tier: $0) != nil }) {
                list.append(ratio)
            }
        }
        guard !ratios.isEmpty else { return ["output sizes: none listed"] }
        let cells = ratios.map { ratio in
            model.resolutions.map { tier in
                model.outputSize(aspect: AspectChoice(ratio) ?? .auto, tier: tier).map { "\($0.size) \($0.confidence.rawValue)" } ?? "-"
            }
        }
        let width = max(12, cells.flatMap { $0 }.map(\.count).max() ?? 0) + 2
        func pad(_ text: String, _ count: Int) -> String { text + String(repeating: " ", count: max(0, count - text.count)) }
        var lines = [pad("output sizes", 14) + model.resolutions.map { pad($0.rawValue, width) }.joined().trimmingCharacters(in: .whitespaces)]
        for (ratio, row) in zip(ratios, cells) {
            lines.append(pad("  " + ratio, 14) + row.map { pad($0, width) }.joined().trimmingCharacters(in: .whitespaces))
        }
        for table in model.outputSizes {
            lines.append("\(table.confidence.rawValue): \(table.source)")
        }
        return lines
    }

    private func listObserved(_ catalogue: ModelCatalogue) throws {
        guard let store = ObservedSizeStore.locate(observedSizes) else {
            printError("no observed-sizes file: set HOME, \(ObservedSizeStore.environmentVariable) or --observed-sizes")
            throw ExitCode(2)
        }
        let sizes: ObservedSizes
        do {
            sizes = try store.load()
        } catch {
            printError(error.description)
            throw ExitCode(2)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            print(String(decoding: try encoder.encode(sizes.sizes), as: UTF8.self))
            return
        }
        print("observed sizes in \(store.path):" + (sizes.sizes.isEmpty ? " none yet" : ""))
        let dates = ISO8601DateFormatter()
        dates.formatOptions = [.withFullDate]
        for entry in sizes.sizes {
            var line = "  \(entry.model) \(entry.tier.rawValue) \(entry.aspect): \(entry.size), seen \(entry.count) time\(entry.count == 1 ? "" : "s")"
                + ", last \(dates.string(from: entry.lastSeen))"
            if let listed = catalogue.model(entry.model)?.outputSize(aspect: AspectChoice(entry.aspect) ?? .auto, tier: entry.tier) {
                line += " (catalogue: \(listed.size) \(listed.confidence.rawValue))"
            }
            if let previous = entry.previous, let changed = entry.changedAt {
                line += "; changed from \(previous) on \(dates.string(from: changed))"
            }
            print(line)
        }
    }
}
