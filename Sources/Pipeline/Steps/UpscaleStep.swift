import ImageCore
import VicSee

/// `upscale`: enlarges each finished output (verified, when there is a verify step) with the service's
/// upscale tool, a paid task polled like a generation and priced by its output size (the catalogue's
/// tiers: up to 24 MP 20 credits, 48 MP 40, 96 MP 80). `factor N` always enlarges by N; `to N` only
/// outputs whose long side is below N, by the smallest factor that reaches it. The upscaled file is
/// saved beside the output as `NAME@4x.png` and must be exactly the output times the factor. Its
/// options do not shape the generation: changing them makes a new upscale, never a new generation.
public struct UpscaleStep: PipelineStep {
    public var factor: Int?
    /// `to N`: the long side wanted, in pixels.
    public var longSide: Int?

    public init(factor: Int? = nil, longSide: Int? = nil) {
        self.factor = factor
        self.longSide = longSide
    }

    public static let keyword = "upscale"
    public static let summary = "Enlarges each finished output with the service's upscale tool (paid by output size), by a factor or to a long side."
    public static let example = "upscale to 4000"
    public static let defaults = UpscaleStep()
    public static var options: [StepOption<UpscaleStep>] {
        [
            StepOption("factor", \.factor, .integer(min: 1, max: 64), help: "Enlarge every output by this factor (the service offers 2 and 4)."),
            StepOption("to", \.longSide, .integer(min: 1, max: 1_000_000),
                       help: "Enlarge outputs whose long side is below N px, by the smallest factor that reaches N."),
        ]
    }

    public func problems() -> [OptionProblem] {
        switch (factor, longSide) {
        case (nil, nil): [OptionProblem(option: nil, "'upscale' needs 'factor N' or 'to N' (upscale to 4000)")]
        case (.some, .some): [OptionProblem(option: "to", "'upscale' takes 'factor N' or 'to N', not both")]
        default: []
        }
    }
}

/// What `plan` shows of an item's upscale: what it will be, or why it cannot be made.
struct UpscalePlan: Sendable {
    var decision: UpscaleDecision?
    var refusal: UpscaleRefusal?
}

extension UpscaleStep {
    /// The upscale of an output of `size`, by the catalogue's tool; nil decision when none is needed.
    func decide(from size: PixelSize, tool: UpscaleTool) throws(UpscaleRefusal) -> UpscaleDecision? {
        try tool.decide(from: size, factor: factor, longSide: longSide)
    }

    /// The size the item's output will have, before it exists: the catalogue's for the model, tier and
    /// ratio, or (without generate) the input's; nil when not known.
    static func expectedSource(of item: ItemContext, in run: RunContext) -> PixelSize? {
        if let width = item.record.width, let height = item.record.height, item.record.state.hasOutput {
            return PixelSize(width: width, height: height)
        }
        if let model = run.model, let generate = run.spec.generate {
            let aspect = item.aspect ?? .auto
            return (model.outputSize(aspect: aspect, tier: generate.resolution)
                ?? model.outputSize(aspect: .ratio(AspectRatio(width: 1, height: 1)), tier: generate.resolution))?.size
        }
        return item.reference.map { PixelSize(width: $0.width, height: $0.height) }
    }
}
