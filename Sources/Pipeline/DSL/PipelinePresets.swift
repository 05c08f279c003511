import ImageCore
import Marketplace

/// The marketplace presets a pipeline names (`verify preset`, `fit preset`), looked up when the pipeline
/// is loaded — in the bundled presets with any override file applied — so that a misspelt name is
/// refused, with the nearest real one, before any image is read or any credit spent.
extension PipelineSpec {
    /// Each preset name the pipeline uses, with the step that names it.
    var presetNames: [(step: String, name: String)] {
        (verify?.presets ?? []).map { (VerifyStep.keyword, $0) } + (fit?.preset.map { [(FitStep.keyword, $0)] } ?? [])
    }

    /// The presets the pipeline names, from `catalogue` (nil: the bundled presets with `$IMAGEPIPE_PRESETS`
    /// applied, read only when a preset is named), and what is wrong with the names.
    func resolvePresets(in catalogue: PresetCatalogue?) -> (found: [String: Preset], problems: [SpecProblem]) {
        let names = presetNames
        guard !names.isEmpty else { return ([:], []) }
        let presets: PresetCatalogue
        if let catalogue {
            presets = catalogue
        } else {
            do throws(PresetError) {
                presets = try PresetCatalogue.load()
            } catch {
                return ([:], [SpecProblem(step: names[0].step, option: "preset", message: error.description)])
            }
        }
        var found: [String: Preset] = [:]
        var problems: [SpecProblem] = []
        for (step, name) in names {
            if let preset = presets.presets.first(where: { $0.name == name }) {
                found[name] = preset
                continue
            }
            let known = presets.presets.map(\.name)
            problems.append(SpecProblem(step: step, option: "preset", message: "unknown preset '\(name)'; the presets are \(known.joined(separator: ", "))",
                                        suggestion: nearest(name, in: known)))
        }
        if let fit, let name = fit.preset, let preset = found[name] { problems += Self.conflicts(of: fit, with: preset) }
        return (found, problems)
    }

    /// Fixes given one by one that would make the copy fail the preset `fit` makes it for.
    private static func conflicts(of fit: FitStep, with preset: Preset) -> [SpecProblem] {
        var problems: [SpecProblem] = []
        func add(_ option: String, _ message: String) { problems.append(SpecProblem(step: FitStep.keyword, option: option, message: message)) }
        if let format = fit.format {
            do throws(FixError) {
                _ = try MarketplaceFix.outputFormat(for: preset, input: format, requested: format, path: preset.name)
            } catch {
                switch error {
                case .formatNotAccepted(_, _, _, let accepted):
                    add("format", "\(preset.name) does not accept \(format.displayName) (it accepts \(accepted.map { $0.uppercased() }.joined(separator: ", "))); "
                        + "use format jpeg or png")
                }
            }
        }
        for rule in preset.rules where rule.severity == .required {
            switch rule.check {
            case .longSide(let min, let max):
                guard let side = fit.longSide else { continue }
                if let min, side < min { add("long-side", "\(preset.name) needs a long side of at least \(min) px; long-side \(side) would fail it") }
                if let max, side > max { add("long-side", "\(preset.name) allows a long side of at most \(max) px; long-side \(side) would fail it") }
            case .fill(let min, _):
                if let fill = fit.fill, fill < min {
                    add("fill", "\(preset.name) needs the product to fill at least \(ValueKind<Double>.share.render(min)); fill \(ValueKind<Double>.share.render(fill)) would fail it")
                }
            default:
                continue
            }
        }
        return problems
    }
}
