/// `output DIR`: where outputs, thumbnails, the journal and the report go.
public struct OutputStep: PipelineStep {
    public var directory: String

    public init(_ directory: String) { self.directory = directory }

    public static let keyword = "output"
    public static let summary = "Where outputs, thumbnails, the journal and the report go (default out/NAME)."
    public static let example = "output out/shots"
    public static let defaults = OutputStep("")
    public static var options: [StepOption<OutputStep>] {
        [.positional("folder", \.directory, .text("DIR"), required: true, help: "The output folder.")]
    }
}
