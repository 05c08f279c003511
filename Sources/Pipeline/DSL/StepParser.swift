/// Reads the words of one step into its value, generically, from the step's option declarations:
/// positional words first, then `name value` pairs and flags. Every mistake is reported with the word it
/// is about; an unknown option ends the step (what follows it cannot be read with confidence), a bad
/// value does not.
enum StepParser<Step: PipelineStep> {
    static func parse(keyword: Token, words: [Token], report: (Token, String, String?) -> Void)
        -> (step: Step, tokens: [String: Token], whole: Bool)
    {
        let options = Step.options
        let named = options.filter { $0.arity == .flag || $0.arity == .value }
        var step = Step.defaults
        var tokens: [String: Token] = [:]
        var whole = true
        var index = 0
        func fail(_ token: Token, _ message: String, _ suggestion: String? = nil) {
            report(token, message, suggestion)
            whole = false
        }
        func set(_ option: StepOption<Step>, _ token: Token) {
            if option.apply(&step, token.text) { return }
            fail(token, "expected \(option.expected) for \(option.name) but received '\(token.text)'", nearest(token.text, in: option.words))
        }

        if let positional = options.first(where: { $0.arity == .positional }), index < words.count,
            words[index].kind == .string || !named.contains(where: { $0.name == words[index].text })
        {
            set(positional, words[index])
            tokens[positional.name] = words[index]
            index += 1
        }
        if let variadic = options.first(where: { $0.arity == .variadic }) {
            for token in words[index...] {
                set(variadic, token)
                if tokens[variadic.name] == nil { tokens[variadic.name] = token }
            }
            index = words.count
        }
        while index < words.count {
            let token = words[index]
            index += 1
            guard token.kind == .word, let option = named.first(where: { $0.name == token.text }) else {
                if named.isEmpty {
                    fail(token, "unexpected '\(token.text)': '\(Step.keyword)' takes \(options.map(\.usage).joined(separator: " "))")
                } else {
                    fail(token, "unknown option '\(token.text)' for \(Step.keyword); it takes \(named.map(\.name).joined(separator: ", "))",
                         nearest(token.text, in: named.map(\.name) + options.flatMap(\.words)))
                }
                break
            }
            if tokens[option.name] != nil {
                fail(token, "'\(option.name)' is given twice in this step")
            }
            if option.arity == .flag {
                set(option, token)
                tokens[option.name] = token
                continue
            }
            guard index < words.count else {
                fail(token, "'\(option.name)' needs a value (\(option.usage))")
                break
            }
            set(option, words[index])
            tokens[option.name] = words[index]
            index += 1
        }
        for option in options where option.required && tokens[option.name] == nil {
            fail(keyword, "'\(Step.keyword)' needs \(option.arity == .variadic ? "at least one " : "a ")\(option.name) (\(option.usage))")
        }
        // A repeatable step's rules are checked once its lines are joined (by the file parser).
        if whole && !Step.repeatable {
            for problem in step.problems() {
                fail(problem.option.flatMap { tokens[$0] } ?? keyword, problem.message, problem.suggestion)
            }
        }
        return (step, tokens, whole)
    }
}
