/// A line of a pipeline file, as a value. Each step declares its options once (`options`); the parser,
/// validation, the canonical key, `imagepipe steps` and the README's table are all derived from that
/// declaration, so a step lives in one file.
public protocol PipelineStep: Sendable, Equatable {
    /// The word that starts the step in a pipeline file.
    static var keyword: String { get }
    /// What the step does, in one sentence (help and README).
    static var summary: String { get }
    /// A line using it, for help and the README.
    static var example: String { get }
    static var options: [StepOption<Self>] { get }
    /// The step with every option at its default (a required option empty until parsed).
    static var defaults: Self { get }
    /// Whether a file may hold the step more than once; the later lines' words are added to the first's.
    static var repeatable: Bool { get }
    /// Adds the words of a repeated line (only for repeatable steps).
    mutating func merge(_ other: Self)
    /// Rules between the step's own options, each naming the option it is about.
    func problems() -> [OptionProblem]
}

extension PipelineStep {
    public static var repeatable: Bool { false }
    public mutating func merge(_ other: Self) {}
    public func problems() -> [OptionProblem] { [] }

    /// The step as a pipeline line with every option spelled out, defaults included.
    public var line: String { Self.line(of: self, options: Self.options) }

    /// The options that shape an item's output, as a line: part of the item's journal key, so that a
    /// changed prompt makes the item again and a changed thumbnail size does not.
    public var canonical: String { Self.line(of: self, options: Self.options.filter(\.shapesKey)) }

    private static func line(of step: Self, options: [StepOption<Self>]) -> String {
        ([keyword] + options.flatMap { $0.render(step) }.map(PipelineLexer.quoted)).joined(separator: " ")
    }

    /// The default value of `option`, as it would be written ("" for an unset or required one).
    static func defaultText(of option: StepOption<Self>) -> String {
        switch option.arity {
        case .flag: return "off"
        case .variadic: return ""
        case .value: return option.required ? "" : option.render(defaults).dropFirst().joined(separator: " ")
        case .positional: return option.required ? "" : option.render(defaults).joined(separator: " ")
        }
    }
}

/// A rule of a step broken by its options: which option (nil: the step as a whole), and why.
public struct OptionProblem: Error, Equatable, Sendable, CustomStringConvertible {
    public var option: String?
    public var message: String
    public var suggestion: String?

    public init(option: String?, _ message: String, suggestion: String? = nil) {
        self.option = option
        self.message = message
        self.suggestion = suggestion
    }

    public var description: String { message }

    /// The problem with `directory` as a `dir` option, which names a folder inside the output folder
    /// (not absolute, no `.` or `..`); nil when it is one. `examples` are shown in the message.
    static func subfolder(_ directory: String, examples: String) -> OptionProblem? {
        let inside = !directory.isEmpty && !directory.hasPrefix("/") && !directory.split(separator: "/").contains { $0 == ".." || $0 == "." }
        return inside ? nil : OptionProblem(option: "dir", "'dir' is a folder inside the output folder, such as \(examples)")
    }
}
