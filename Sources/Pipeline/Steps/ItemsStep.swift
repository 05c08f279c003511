/// `items NAME…`: named text-to-image generations; each name replaces `{name}` in the prompt and names
/// the output file.
public struct ItemsStep: PipelineStep {
    public var names: [String]

    public init(_ names: [String]) { self.names = names }

    public static let keyword = "items"
    public static let summary = "Text-to-image items; each name replaces {name} in the prompt and names the output."
    public static let example = #"items "red mug" "blue vase""#
    public static let defaults = ItemsStep([])
    public static let repeatable = true
    public static var options: [StepOption<ItemsStep>] {
        [.variadic("name", \.names, help: "An item's name.")]
    }

    public mutating func merge(_ other: ItemsStep) { names += other.names }

    /// Names must be usable in prompts and, through `ItemName`, as file names; two names that would
    /// make the same file are refused here, before anything is spent.
    public func problems() -> [OptionProblem] {
        var problems: [OptionProblem] = []
        var stems: [String: String] = [:]
        for name in names {
            if let problem = ItemName.problem(with: name) {
                problems.append(OptionProblem(option: "name", problem))
                continue
            }
            let stem = ItemName(name).fileStem
            if let earlier = stems[stem] {
                problems.append(OptionProblem(option: "name", earlier == name
                    ? "the item \(PipelineLexer.quoted(name)) is listed twice"
                    : "the items \(PipelineLexer.quoted(earlier)) and \(PipelineLexer.quoted(name)) would both be saved as \(stem).*; rename one"))
            }
            stems[stem] = name
        }
        return problems
    }
}
