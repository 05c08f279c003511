import Marketplace
import VicSee

/// A rule of the whole pipeline that it breaks: which step and option it is about, and why.
public struct SpecProblem: Error, Equatable, Sendable, CustomStringConvertible {
    /// The step's keyword; nil for the pipeline as a whole.
    public var step: String?
    public var option: String?
    public var message: String
    public var suggestion: String?

    public var description: String { message }
}

/// The rules between steps, the catalogue's rules for the model chosen and the preset names, checked when
/// a pipeline is loaded (from a file or built in Swift) — before any image is read or any credit spent.
enum PipelineRules {
    static func check(_ spec: PipelineSpec, catalogue: ModelCatalogue, presets: PresetCatalogue? = nil) -> [SpecProblem] {
        var problems: [SpecProblem] = []
        func add(_ step: String?, _ option: String?, _ message: String, _ suggestion: String? = nil) {
            problems.append(SpecProblem(step: step, option: option, message: message, suggestion: suggestion))
        }
        // Repeatable steps' own rules, on their joined value.
        for problem in spec.items?.problems() ?? [] { add("items", problem.option, problem.message, problem.suggestion) }
        for problem in spec.input?.problems() ?? [] { add("input", problem.option, problem.message, problem.suggestion) }

        if spec.input == nil && spec.items == nil {
            add(nil, nil, "the pipeline has nothing to work on: add 'input PATTERN' (reference images) or 'items \"name\" ...' (text-to-image)")
        }
        if spec.input != nil && spec.items != nil {
            add("items", nil, "a pipeline works on reference images ('input') or on named items ('items'), not both")
        }
        if spec.items != nil && spec.generate == nil {
            add("items", nil, "'items' name text-to-image generations: add a 'generate' step")
        }
        if let generate = spec.generate { problems += modelRules(generate, spec: spec, catalogue: catalogue) }
        if let verify = spec.verify {
            if let name = verify.model, catalogue.model(name) == nil {
                add("verify", "model", "unknown model '\(name)'", catalogue.suggestion(for: name))
            }
            // Without generate, a verify that names only presets checks no size.
            let presetsOnly = verify.model == nil && verify.resolution == nil && verify.presets != nil
            if spec.generate == nil && (verify.model == nil || verify.resolution == nil) && !presetsOnly {
                add("verify", nil, "without a generate step, verify needs model and resolution (verify model ID resolution 1K), or only presets (verify preset amazon-main)")
            }
        }
        problems += spec.resolvePresets(in: presets).problems
        if let fit = spec.fit, fit.directory == spec.thumbnail?.directory {
            add("fit", "dir", "'fit' and 'thumbnail' would write into the same folder '\(fit.directory)': give fit another dir")
        }
        if let upscale = spec.upscale {
            if let tool = catalogue.service?.upscale {
                if let factor = upscale.factor, !tool.factors.contains(factor) {
                    add("upscale", "factor", UpscaleRefusal.factorNotOffered(factor, offered: tool.factors).description)
                }
            } else {
                add("upscale", nil, "the model catalogue in use has no upscale tool (its 'service' section)")
            }
        }
        if case .baseURL = spec.publish?.way, spec.generate != nil {
            if let mode = spec.aspect?.mode, mode != .report {
                add("publish", "base-url", "'publish base-url' sends the URLs of the originals, but 'aspect \(mode.rawValue)' sends derived copies that are not hosted there: use 'publish upload' or 'aspect report'")
            }
            if spec.check?.oversize == .shrink {
                add("publish", "base-url", "'publish base-url' sends the URLs of the originals, but 'oversize shrink' sends smaller copies that are not hosted there: use 'publish upload' or 'oversize fail'")
            }
        }
        return problems
    }

    /// The catalogue's rules for the generate step's model.
    private static func modelRules(_ generate: GenerateStep, spec: PipelineSpec, catalogue: ModelCatalogue) -> [SpecProblem] {
        func problem(_ option: String?, _ message: String, _ suggestion: String? = nil) -> [SpecProblem] {
            [SpecProblem(step: "generate", option: option, message: message, suggestion: suggestion)]
        }
        guard let model = catalogue.model(generate.model) else {
            return problem("model", "unknown model '\(generate.model)'", catalogue.suggestion(for: generate.model))
        }
        var problems: [SpecProblem] = []
        if !model.resolutions.contains(generate.resolution) {
            problems += problem("resolution", "\(model.id) does not offer \(generate.resolution.rawValue); use \(model.resolutions.map(\.rawValue).joined(separator: " or "))")
        }
        switch generate.aspect {
        case .fixed(let ratio):
            if !model.aspectRatios.contains(ratio.description) {
                problems += problem("aspect", "\(model.id) does not support \(ratio); use one of \(model.aspectRatios.joined(separator: ", "))")
            } else if model.resolutions.contains(generate.resolution), !model.resolutions(for: .ratio(ratio)).contains(generate.resolution) {
                let rule = model.constraints.first { $0.aspectRatio == ratio.description }
                problems += problem("aspect", "\(rule?.reason ?? "not allowed"): \(ratio) at \(generate.resolution.rawValue) is refused")
            }
        case .auto:
            if !model.aspectRatios.contains("auto") {
                problems += problem("aspect", "\(model.id) has no 'auto' ratio")
            } else if !model.resolutions(for: .auto).contains(generate.resolution) {
                problems += problem("aspect", "\(model.constraints.first { $0.aspectRatio == "auto" }?.reason ?? "not allowed"): use resolution 1K or a fixed ratio")
            }
        case .inferred:
            break
        }
        let shortest = generate.prompt(for: "").count
        if shortest > model.prompt.max || (generate.prompt.count < model.prompt.min && !generate.prompt.contains("{name}")) {
            problems += problem("prompt", "the prompt must be \(model.prompt.min) to \(model.prompt.max) characters for \(model.id)")
        }
        if model.kind == .imageToImage && spec.input == nil {
            problems += problem("model", "\(model.id) edits images: add an 'input' line with the reference images")
        }
        if model.references.max == 0 && spec.input != nil {
            problems += problem("model", "\(model.id) takes no reference images; use an image-to-image model, or 'items' instead of 'input'")
        }
        if generate.referencesPerRequest > max(model.references.max, 1) {
            problems += problem("references", "\(model.id) takes at most \(model.references.max) references per request")
        }
        return problems
    }
}
