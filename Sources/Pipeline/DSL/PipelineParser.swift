import Marketplace
import VicSee

/// Reads a pipeline file into a `PipelineSpec`, strictly: every word is checked against the steps'
/// declarations, every mistake is pointed at `file:line:column` with the nearest valid word, and the
/// catalogue's rules for the model are applied and preset names looked up — all before any image is read
/// or any credit spent. Every mistake in the file is reported, not only the first.
public struct PipelineParser {
    public let file: String
    public let catalogue: ModelCatalogue
    /// The marketplace presets names are looked up in; nil: the bundled ones with `$IMAGEPIPE_PRESETS`.
    public let presets: PresetCatalogue?

    public init(file: String, catalogue: ModelCatalogue, presets: PresetCatalogue? = nil) {
        self.file = file
        self.catalogue = catalogue
        self.presets = presets
    }

    public func parse(_ source: String) throws(PipelineDiagnostics) -> PipelineSpec {
        let lines = PipelineLexer.lines(of: source).map(String.init)
        let (tokenLines, lexProblems) = PipelineLexer.tokenize(source, file: file)
        var diagnostics = lexProblems
        func report(_ token: Token, _ message: String, _ suggestion: String?) {
            diagnostics.append(PipelineDiagnostic(file: file, line: token.line, column: token.column, length: token.length,
                                                  message: message, lineText: lines[token.line - 1], suggestion: suggestion))
        }
        let declarations = PipelineSpec.declarations
        var spec = PipelineSpec()
        /// Where each step (by keyword) and each of its options stand, to point at them later.
        var keywords: [String: Token] = [:]
        var optionTokens: [String: [String: Token]] = [:]
        var broken = Set<String>()
        for line in tokenLines where !line.isEmpty {
            var steps: [[Token]] = [[]]
            for token in line {
                if token.kind == .pipe { steps.append([]) } else { steps[steps.count - 1].append(token) }
            }
            for tokens in steps {
                guard let keyword = tokens.first else {
                    report(line.first { $0.kind == .pipe } ?? line[0], "a '|' needs a step on both sides", nil)
                    continue
                }
                guard keyword.kind == .word, let declaration = declarations.first(where: { $0.keyword == keyword.text }) else {
                    report(keyword, "unknown step '\(keyword.text)'", nearest(keyword.text, in: declarations.map(\.keyword)))
                    continue
                }
                if let earlier = keywords[keyword.text], !declaration.repeatable {
                    report(keyword, "a second '\(keyword.text)' step (the first is on line \(earlier.line))", nil)
                    continue
                }
                if keywords[keyword.text] == nil { keywords[keyword.text] = keyword }
                let (found, whole) = declaration.parse(keyword, Array(tokens.dropFirst()), &spec, report)
                optionTokens[keyword.text, default: [:]].merge(found) { first, _ in first }
                if !whole { broken.insert(keyword.text) }
            }
        }
        // The rules between steps, skipping those about a step that already has a mistake (they would
        // only repeat it); an empty file has no step to point at, so its line 1 is used.
        let first = keywords.values.min { ($0.line, $0.column) < ($1.line, $1.column) }
            ?? Token(kind: .word, text: "", line: 1, column: 1, length: 1)
        let mistakesSoFar = !diagnostics.isEmpty
        for problem in PipelineRules.check(spec, catalogue: catalogue, presets: presets) {
            // A rule about the whole file (nothing to work on) is most likely a mistake already reported.
            if problem.step == nil && mistakesSoFar { continue }
            if let step = problem.step, broken.contains(step) { continue }
            if problem.step == "generate", broken.contains("input") || broken.contains("items") { continue }
            let token = problem.step.flatMap { step in problem.option.flatMap { optionTokens[step]?[$0] } ?? keywords[step] } ?? first
            if lines.indices.contains(token.line - 1) {
                report(token, problem.message, problem.suggestion)
            } else {
                diagnostics.append(PipelineDiagnostic(file: file, line: 1, column: 1, length: 1, message: problem.message,
                                                      lineText: "", suggestion: problem.suggestion))
            }
        }
        if !diagnostics.isEmpty { throw PipelineDiagnostics(diagnostics) }
        return spec
    }
}

extension PipelineSpec {
    /// The rules a pipeline built in Swift breaks (the same ones the parser applies to a file); preset
    /// names are looked up in `presets` (nil: the bundled ones with `$IMAGEPIPE_PRESETS`).
    public func problems(catalogue: ModelCatalogue, presets: PresetCatalogue? = nil) -> [SpecProblem] {
        var problems: [SpecProblem] = []
        let steps: [(String, [OptionProblem])] = [
            ("check", check?.problems() ?? []), ("aspect", aspect?.problems() ?? []), ("publish", publish?.problems() ?? []),
            ("generate", generate?.problems() ?? []), ("verify", verify?.problems() ?? []), ("upscale", upscale?.problems() ?? []),
            ("fit", fit?.problems() ?? []),
            ("thumbnail", thumbnail?.problems() ?? []),
        ]
        for (step, found) in steps {
            problems += found.map { SpecProblem(step: step, option: $0.option, message: $0.message, suggestion: $0.suggestion) }
        }
        return problems + PipelineRules.check(self, catalogue: catalogue, presets: presets)
    }
}
