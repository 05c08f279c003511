/// The README's table of steps, made from the steps' declarations (a test compares the two).
public enum StepTable {
    /// A Markdown table: a row per step (how it is written and what it does), then a row per option with
    /// its default; options marked "shapes the output" are part of an item's journal key.
    public static func markdown(_ steps: [StepHelp] = PipelineSpec.steps) -> String {
        var text = "| step | option | default | what it does |\n| --- | --- | --- | --- |\n"
        func cell(_ words: String) -> String { words.replacingOccurrences(of: "|", with: "\\|") }
        for step in steps {
            let head = ([step.keyword] + step.options.filter { $0.arity == .positional || $0.arity == .variadic }.map(\.usage))
                .joined(separator: " ")
            text += "| `\(cell(head))` | | | \(cell(step.summary)) Example: `\(cell(step.example))` |\n"
            for option in step.options {
                let usage = option.arity == .variadic || option.arity == .positional ? option.name.uppercased() : option.usage
                let remarks = (option.required ? " Required." : "") + (option.shapesKey ? " Shapes the output." : "")
                let value = option.defaultValue.isEmpty || option.defaultValue == "off" ? "" : "`\(cell(option.defaultValue))`"
                text += "| | `\(cell(usage))` | \(value) | \(cell(option.help))\(remarks) |\n"
            }
        }
        return text
    }
}
