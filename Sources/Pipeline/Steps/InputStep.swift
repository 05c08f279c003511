/// `input PATTERN…`: the reference images, as files, folders (walked for JPEG, PNG and WebP) or quoted
/// glob patterns (`**` crosses folders). Several `input` lines add up.
public struct InputStep: PipelineStep {
    public var patterns: [String]

    public init(_ patterns: [String]) { self.patterns = patterns }

    public static let keyword = "input"
    public static let summary = "Reference images: files, folders or quoted glob patterns; several lines add up."
    public static let example = #"input samples/*.jpg "shoots/**/*.png""#
    public static let defaults = InputStep([])
    public static let repeatable = true
    public static var options: [StepOption<InputStep>] {
        [.variadic("pattern", \.patterns, help: "A file, a folder or a glob pattern.")]
    }

    public mutating func merge(_ other: InputStep) { patterns += other.patterns }
}
