import VicSee

/// Which aspect ratio a generation asks for.
public enum GenerateAspect: Sendable, Equatable, CustomStringConvertible {
    /// The nearest ratio the model supports to the reference's upright ratio (1:1 without one).
    case inferred
    case auto
    case fixed(AspectRatio)

    public init?(_ word: String) {
        switch word.lowercased() {
        case "inferred": self = .inferred
        case "auto": self = .auto
        default:
            guard let ratio = AspectRatio(word) else { return nil }
            self = .fixed(ratio)
        }
    }

    public var description: String {
        switch self {
        case .inferred: "inferred"
        case .auto: "auto"
        case .fixed(let ratio): ratio.description
        }
    }
}

extension ValueKind where Value == GenerateAspect {
    static var generateAspect: ValueKind {
        ValueKind(expected: "inferred, auto or a ratio such as 16:9", placeholder: "inferred|auto|W:H", words: ["inferred", "auto"],
                  parse: { GenerateAspect($0) }, render: { $0.description })
    }
}

/// `generate`: one generation per item with a model of the catalogue. The prompt is a template in which
/// `{name}` is the item's name. Every option but `concurrency` shapes the output, so changing one makes
/// the items again (and only those).
public struct GenerateStep: PipelineStep {
    public var model: String
    /// A template: {name} is the item's name (a reference's file name without extension).
    public var prompt: String
    public var resolution: ResolutionTier = .oneK
    public var aspect: GenerateAspect = .inferred
    /// References sent with each request (image-to-image).
    public var referencesPerRequest = 1
    /// Generations in flight at once.
    public var concurrency = 2

    public init(model: String, prompt: String) {
        self.model = model
        self.prompt = prompt
    }

    public static let keyword = "generate"
    public static let summary = "One generation per item; {name} in the prompt is the item's name."
    public static let example = #"generate model gpt-image-2-image-to-image prompt "Put {name} on oak" resolution 2K"#
    public static let defaults = GenerateStep(model: "", prompt: "")
    public static var options: [StepOption<GenerateStep>] {
        [
            StepOption("model", \.model, .text("ID"), required: true, shapesKey: true, help: "A model id (imagepipe models lists them)."),
            StepOption("prompt", \.prompt, .text("TEXT"), required: true, shapesKey: true, help: "What to make; {name} is the item's name."),
            StepOption("resolution", \.resolution, .tier, shapesKey: true, help: "The tier paid for."),
            StepOption("aspect", \.aspect, .generateAspect, shapesKey: true,
                       help: "inferred: the nearest ratio the model has to each reference (1:1 without one)."),
            StepOption("references", \.referencesPerRequest, .integer(), shapesKey: true, help: "References sent with each request."),
            StepOption("concurrency", \.concurrency, .integer(min: 1, max: 64), help: "Generations in flight at once."),
        ]
    }

    /// The placeholders a prompt may hold.
    static let placeholders = ["name"]

    public func prompt(for name: String) -> String { prompt.replacingOccurrences(of: "{name}", with: name) }

    public func problems() -> [OptionProblem] {
        var problems: [OptionProblem] = []
        var rest = prompt[...]
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            let word = String(rest[rest.index(after: open)..<close])
            if !Self.placeholders.contains(word) {
                problems.append(OptionProblem(option: "prompt", "the prompt has an unknown placeholder {\(word)}; it takes {name}",
                                              suggestion: nearest(word, in: Self.placeholders).map { "{\($0)}" }))
            }
            rest = rest[rest.index(after: close)...]
        }
        return problems
    }
}
