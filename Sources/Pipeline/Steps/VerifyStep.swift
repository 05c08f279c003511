import ImageCore
import VicSee

/// `verify`: each output is decoded in full (truncated fails), its real format found (a JPEG named .png is
/// renamed and reported), its size compared with what was paid for, and single-colour pictures (what
/// safety filters return) failed. Model, tier and ratio come from `generate` when not given. With
/// `preset`, each output that passes is also held to marketplace presets (after `fit`, on its fitted
/// copy; see `PresetVerification`): a required rule that fails rejects the item.
public struct VerifyStep: PipelineStep {
    /// Model, tier and ratio to check sizes against; taken from the generate step when absent.
    public var model: String?
    public var resolution: ResolutionTier?
    public var aspect: AspectChoice?
    /// Relative size tolerance (0.02 = 2 %).
    public var tolerance: Double = 0
    /// Accept single-colour images (a safety filter's blank answer fails otherwise).
    public var allowBlank = false
    /// Marketplace presets (`amazon-main`, ...) each output must pass; names are checked when the
    /// pipeline is loaded, against the bundled presets and any override file.
    public var presets: [String]?

    public init() {}

    public static let keyword = "verify"
    public static let summary = "Decodes each output in full and checks its format, the size paid for, and that it is not blank; with preset, holds it (its fit copy, after fit) to marketplace rules."
    public static let example = "verify tolerance 1%"
    public static let defaults = VerifyStep()
    public static var options: [StepOption<VerifyStep>] {
        [
            StepOption("model", \.model, .text("ID"), help: "The model paid for (default: generate's)."),
            StepOption("resolution", \.resolution, .tier, help: "The tier paid for (default: generate's)."),
            StepOption("aspect", \.aspect, .aspectChoice, help: "The ratio asked for (default: each item's)."),
            StepOption("tolerance", \.tolerance, .percentage, help: "How far a side may be from the expected size."),
            .flag("allow-blank", \.allowBlank, help: "Accept single-colour images."),
            StepOption("preset", \.presets, .names("NAME[,NAME]"),
                       help: "Marketplace presets each output (its fit copy, after fit) must pass; a failing required rule rejects the item."),
        ]
    }
}

extension VerifyStep: ItemStage {
    var keyword: String { Self.keyword }

    /// Verifies the item's output — or, in a pipeline that generates nothing, its input — once per
    /// output and verify settings: a re-run keeps the verdict, a changed setting reaches a new one. A
    /// verify that names only presets (possible without generate) checks the file is whole, not its size.
    func run(_ item: inout ItemContext, in run: RunContext) async throws(ItemStop) {
        guard let path = Acceptance.subject(of: item, in: run) else { return }
        let expectation = expectation(for: item, in: run)
        guard expectation != nil || (run.spec.generate == nil && model == nil && resolution == nil && presets != nil) else { return }
        let key = line + (expectation.map { " expect \($0.model.id) \($0.resolution.rawValue) \($0.aspect?.description ?? "any")" } ?? " whole")
        if item.record.verifyKey == key, item.record.verified != nil, [.done, .rejected].contains(item.record.state) { return }
        let strictness = expectation?.failOn ?? .warning
        let decoded = item.output.flatMap { $0.path == path && strictness == run.downloadStrictness ? $0.decoded : nil }
        let result = Verifier.verify(path: path, expectation: expectation, decoded: decoded)
        let problems = result.problems.compactMap { ItemProblem($0, path: result.renamedTo ?? path) }
        try item.move(to: result.ok ? .done : .rejected, step: Self.keyword, in: run) { record in
            if let renamed = result.renamedTo { OutputFile.record(renamed, in: &record) }
            record.verified = result.ok
            record.expected = result.size?.expected
            record.confidence = result.size?.basis
            record.simulated = record.simulated || result.simulated  // the simulator's label in the file
            record.verifyKey = key
            record.problems = problems
            record.width = result.width ?? record.width
            record.height = result.height ?? record.height
            record.format = result.format?.rawValue ?? record.format
            // A new verdict on the output: the preset check (after fit) judges again.
            record.presets = []
            record.presetKey = nil
        }
    }

    /// What the output must be: the model, tier and ratio given here, else the generate step's and the
    /// item's chosen ratio.
    func expectation(for item: ItemContext, in run: RunContext) -> VerifyExpectation? {
        guard let name = model ?? run.spec.generate?.model, let model = run.catalogue.model(name),
            let tier = resolution ?? run.spec.generate?.resolution
        else { return nil }
        let simulated = item.record.simulated || run.session?.isSimulated == true
        return VerifyExpectation(model: model, resolution: tier, aspect: aspect ?? item.aspect, tolerance: tolerance, allowBlank: allowBlank,
                                 observedSizes: simulated || run.isPlan ? nil : ObservedSizeStore.locate(), simulated: simulated)
    }
}
