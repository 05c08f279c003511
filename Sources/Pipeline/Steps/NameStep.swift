/// `pipeline NAME`: names the pipeline; the output folder defaults to `out/NAME`.
public struct NameStep: PipelineStep {
    public var name: String

    public init(_ name: String) { self.name = name }

    public static let keyword = "pipeline"
    public static let summary = "Names the pipeline (the output folder defaults to out/NAME)."
    public static let example = "pipeline product-shots"
    public static let defaults = NameStep("pipeline")
    public static var options: [StepOption<NameStep>] {
        [.positional("name", \.name, .text("NAME"), required: true, help: "The pipeline's name.")]
    }
}
