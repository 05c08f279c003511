/// A pipeline as values: what the parser builds from a file, and what Swift code can build directly (the
/// parser makes exactly the value the same steps make in code). Absent steps are nil.
public struct PipelineSpec: Sendable, Equatable {
    public var pipeline: NameStep?
    public var input: InputStep?
    public var items: ItemsStep?
    public var check: CheckStep?
    public var aspect: AspectStep?
    public var publish: PublishStep?
    public var generate: GenerateStep?
    public var verify: VerifyStep?
    public var upscale: UpscaleStep?
    public var fit: FitStep?
    public var thumbnail: ThumbnailStep?
    public var output: OutputStep?

    public init() {}

    public var name: String { pipeline?.name ?? "pipeline" }
    /// Where outputs, thumbnails, the journal and the report go.
    public var outputDirectory: String { output?.directory ?? "out/\(name)" }
    /// Whether a run sends paid tasks to the service (a generation or an upscale): it then needs a
    /// session, and must never lose sight of what earlier runs paid for.
    public var paysTheService: Bool { generate != nil || upscale != nil }
    public var inputs: [String] { input?.patterns ?? [] }
    public var itemNames: [String] { items?.names ?? [] }
    /// How references are published: the publish step's way; when the file says nothing, `loopback` for
    /// a service on this machine (the simulator) and the service's own `upload` otherwise.
    public func publishWay(serviceOnThisMachine: Bool) -> PublishStep.Way {
        publish?.way ?? (serviceOnThisMachine ? .loopback : .upload)
    }

    /// Every step the language knows, with its place in a `PipelineSpec`, in the order a pipeline is
    /// printed. The parser, `imagepipe steps` and the README's table read this list.
    static var declarations: [StepDeclaration] {
        [
            StepDeclaration(NameStep.self, \.pipeline),
            StepDeclaration(InputStep.self, \.input),
            StepDeclaration(ItemsStep.self, \.items),
            StepDeclaration(CheckStep.self, \.check),
            StepDeclaration(AspectStep.self, \.aspect),
            StepDeclaration(PublishStep.self, \.publish),
            StepDeclaration(GenerateStep.self, \.generate),
            StepDeclaration(VerifyStep.self, \.verify),
            StepDeclaration(UpscaleStep.self, \.upscale),
            StepDeclaration(FitStep.self, \.fit),
            StepDeclaration(ThumbnailStep.self, \.thumbnail),
            StepDeclaration(OutputStep.self, \.output),
        ]
    }

    /// The pipeline as a file: one step per line, every option spelled out. Parsing it gives this value.
    public var text: String {
        Self.declarations.compactMap { $0.line(self) }.joined(separator: "\n") + "\n"
    }

    /// Help for every step, from the declarations.
    public static var steps: [StepHelp] { declarations.map(\.help) }
}

/// What `imagepipe steps` and the README show of a step.
public struct StepHelp: Sendable {
    public struct Option: Sendable {
        public var name: String
        /// How it is written: `resolution 1K|2K|4K`.
        public var usage: String
        public var help: String
        /// The default as it would be written; empty when there is none.
        public var defaultValue: String
        public var required: Bool
        public var shapesKey: Bool
        public var arity: Arity
    }

    /// How an option is written (a copy of `StepOption.Arity`, free of the step's type).
    public enum Arity: Sendable, Equatable {
        case flag, value, positional, variadic
    }

    public var keyword: String
    public var summary: String
    public var example: String
    public var options: [Option]
}

/// A step type and the property of `PipelineSpec` that holds it, with the generic parser bound to it.
struct StepDeclaration {
    let keyword: String
    let repeatable: Bool
    let help: StepHelp
    /// Parses the words after the keyword into `spec`; mistakes go to `report`. Returns the tokens of the
    /// options given (for pointing at them later) and whether the step came out whole.
    let parse: (_ keyword: Token, _ words: [Token], _ spec: inout PipelineSpec, _ report: (Token, String, String?) -> Void)
        -> (tokens: [String: Token], whole: Bool)
    let line: (PipelineSpec) -> String?

    init<Step: PipelineStep>(_ type: Step.Type, _ slot: WritableKeyPath<PipelineSpec, Step?>) {
        keyword = Step.keyword
        repeatable = Step.repeatable
        help = StepHelp(keyword: Step.keyword, summary: Step.summary, example: Step.example, options: Step.options.map { option in
            StepHelp.Option(name: option.name, usage: option.usage, help: option.help, defaultValue: Step.defaultText(of: option),
                            required: option.required, shapesKey: option.shapesKey, arity: StepHelp.Arity(option.arity))
        })
        parse = { keyword, words, spec, report in
            let (step, tokens, whole) = StepParser<Step>.parse(keyword: keyword, words: words, report: report)
            if var existing = spec[keyPath: slot] {
                existing.merge(step)
                spec[keyPath: slot] = existing
            } else {
                spec[keyPath: slot] = step
            }
            return (tokens, whole)
        }
        line = { spec in spec[keyPath: slot]?.line }
    }
}

extension StepHelp.Arity {
    init<Step>(_ arity: StepOption<Step>.Arity) {
        switch arity {
        case .flag: self = .flag
        case .value: self = .value
        case .positional: self = .positional
        case .variadic: self = .variadic
        }
    }
}
