/// One option of a step, declared once: its name, how its value is written, its help, whether it shapes
/// the item (and so its journal key), and the property it sets. The parser, validation, the canonical
/// key, `imagepipe steps` and the README's table all read this one declaration.
public struct StepOption<Step> {
    /// How the option appears in a pipeline line.
    public enum Arity: Sendable, Equatable {
        /// `name` alone switches it on.
        case flag
        /// `name VALUE`.
        case value
        /// The first word after the step, without a name (`aspect crop`).
        case positional
        /// Every word after the step (`input a.jpg b/ "c/**/*.png"`).
        case variadic
    }

    public let name: String
    public let arity: Arity
    public let help: String
    /// True when a changed value changes what the service is asked for, so the item is made again.
    public let shapesKey: Bool
    public let required: Bool
    /// What the value must be, in words (for errors).
    public let expected: String
    /// The value's short form for help tables.
    public let placeholder: String
    let words: [String]
    let apply: (inout Step, String) -> Bool
    let render: (Step) -> [String]

    /// `name VALUE`, setting `property`.
    public init<Value>(_ name: String, _ property: WritableKeyPath<Step, Value>, _ kind: ValueKind<Value>, required: Bool = false,
                       shapesKey: Bool = false, help: String) {
        self.init(name, arity: .value, kind: kind, required: required, shapesKey: shapesKey, help: help,
                  apply: { step, word in
                      guard let value = kind.parse(word) else { return false }
                      step[keyPath: property] = value
                      return true
                  }, render: { step in [name, kind.render(step[keyPath: property])] })
    }

    /// `name VALUE`, setting an optional `property` (unset when absent).
    public init<Value>(_ name: String, _ property: WritableKeyPath<Step, Value?>, _ kind: ValueKind<Value>, required: Bool = false,
                       shapesKey: Bool = false, help: String) {
        self.init(name, arity: .value, kind: kind, required: required, shapesKey: shapesKey, help: help,
                  apply: { step, word in
                      guard let value = kind.parse(word) else { return false }
                      step[keyPath: property] = value
                      return true
                  }, render: { step in step[keyPath: property].map { [name, kind.render($0)] } ?? [] })
    }

    /// The first word after the step, without a name.
    public static func positional<Value>(_ name: String, _ property: WritableKeyPath<Step, Value>, _ kind: ValueKind<Value>,
                                         required: Bool = false, shapesKey: Bool = false, help: String) -> StepOption {
        StepOption(name, arity: .positional, kind: kind, required: required, shapesKey: shapesKey, help: help,
                   apply: { step, word in
                       guard let value = kind.parse(word) else { return false }
                       step[keyPath: property] = value
                       return true
                   }, render: { step in [kind.render(step[keyPath: property])] })
    }

    /// Every word after the step, appended to `property`.
    public static func variadic(_ name: String, _ property: WritableKeyPath<Step, [String]>, shapesKey: Bool = false,
                                help: String) -> StepOption {
        StepOption(name, arity: .variadic, kind: ValueKind<String>.text(name.uppercased()), required: true, shapesKey: shapesKey, help: help,
                   apply: { step, word in
                       step[keyPath: property].append(word)
                       return true
                   }, render: { step in step[keyPath: property] })
    }

    /// `name VALUE`, another way to set other options (`size N` sets width and height): it is read, never
    /// written back, so a step's line names each setting once.
    public static func alias<Value>(_ name: String, _ property: WritableKeyPath<Step, Value?>, _ kind: ValueKind<Value>,
                                    help: String) -> StepOption {
        StepOption(name, arity: .value, kind: kind, required: false, shapesKey: false, help: help,
                   apply: { step, word in
                       guard let value = kind.parse(word) else { return false }
                       step[keyPath: property] = value
                       return true
                   }, render: { _ in [] })
    }

    /// `name` alone, setting `property` to true.
    public static func flag(_ name: String, _ property: WritableKeyPath<Step, Bool>, shapesKey: Bool = false, help: String) -> StepOption {
        StepOption(name, arity: .flag, kind: ValueKind<Bool>(expected: "", placeholder: "", parse: { _ in true }, render: { _ in "" }),
                   required: false, shapesKey: shapesKey, help: help,
                   apply: { step, _ in
                       step[keyPath: property] = true
                       return true
                   }, render: { step in step[keyPath: property] ? [name] : [] })
    }

    private init<Value>(_ name: String, arity: Arity, kind: ValueKind<Value>, required: Bool, shapesKey: Bool, help: String,
                        apply: @escaping (inout Step, String) -> Bool, render: @escaping (Step) -> [String]) {
        self.name = name
        self.arity = arity
        self.help = help
        self.shapesKey = shapesKey
        self.required = required
        self.expected = kind.expected
        self.placeholder = kind.placeholder
        self.words = kind.words
        self.apply = apply
        self.render = render
    }

    /// How the option is written in a table: `resolution 1K|2K|4K`, `aspect [report|crop|pad]`, `allow-blank`.
    public var usage: String {
        switch arity {
        case .flag: name
        case .value: "\(name) \(placeholder)"
        case .positional: required ? placeholder : "[\(placeholder)]"
        case .variadic: "\(placeholder)…"
        }
    }
}
