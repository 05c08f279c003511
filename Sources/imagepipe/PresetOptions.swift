import ArgumentParser
import Marketplace

/// `--presets FILE`, for the commands that name marketplace presets (verify, plan, run).
struct PresetOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A presets file whose presets replace or add to the bundled ones (also $IMAGEPIPE_PRESETS).", valueName: "file"))
    var presets: String?

    /// The presets with the override file applied (exit 2 when it cannot be read).
    func load() throws -> PresetCatalogue {
        do {
            return try PresetCatalogue.load(overridePath: presets)
        } catch {
            printError(error.description)
            throw ExitCode(2)
        }
    }

    /// The presets when `--presets` names a file; nil leaves the loading to the pipeline, which reads
    /// the bundled presets (and $IMAGEPIPE_PRESETS) only when it names a preset.
    func loadIfGiven() throws -> PresetCatalogue? {
        presets == nil ? nil : try load()
    }
}
