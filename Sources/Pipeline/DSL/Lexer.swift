/// One word of a pipeline file with where it stands.
struct Token: Equatable {
    enum Kind: Equatable {
        case word
        case string
        case pipe
    }

    var kind: Kind
    var text: String
    var line: Int
    var column: Int
    var length: Int
}

/// Splits a pipeline file into lines of tokens: bare words, "quoted strings" (with \" \\ \n escapes),
/// and `|`, which chains steps on one line; `#` starts a comment.
enum PipelineLexer {
    /// `word` as it must be written in a pipeline file to read back as itself: bare when it can be,
    /// quoted (with escapes) otherwise.
    static func quoted(_ word: String) -> String {
        let plain = !word.isEmpty && !word.contains { " \t\r\n|#\"\\".contains($0) }
        if plain { return word }
        let escaped = word.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
        return "\"" + escaped + "\""
    }

    /// The lines of a file; a Windows line end ("\r\n", one Character in Swift) ends a line too.
    static func lines(of source: String) -> [Substring] {
        source.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    }

    /// The tokens of every line, and a diagnostic for each line that cannot be read (an unclosed quote);
    /// such a line yields no tokens, so one mistake does not hide the others.
    static func tokenize(_ source: String, file: String) -> (lines: [[Token]], problems: [PipelineDiagnostic]) {
        var lines: [[Token]] = []
        var problems: [PipelineDiagnostic] = []
        for (index, text) in Self.lines(of: source).enumerated() {
            let line = index + 1
            let chars = Array(text)
            var tokens: [Token] = []
            var i = 0
            while i < chars.count {
                let c = chars[i]
                if c == " " || c == "\t" || c == "\r" { i += 1; continue }
                if c == "#" { break }
                if c == "|" {
                    tokens.append(Token(kind: .pipe, text: "|", line: line, column: i + 1, length: 1))
                    i += 1
                    continue
                }
                if c == "\"" {
                    let start = i
                    var value = ""
                    i += 1
                    var closed = false
                    while i < chars.count {
                        if chars[i] == "\\", i + 1 < chars.count {
                            let escaped = chars[i + 1]
                            value.append(escaped == "n" ? "\n" : escaped)
                            i += 2
                            continue
                        }
                        if chars[i] == "\"" { closed = true; i += 1; break }
                        value.append(chars[i])
                        i += 1
                    }
                    guard closed else {
                        problems.append(PipelineDiagnostic(file: file, line: line, column: start + 1, length: chars.count - start,
                                                           message: "this string has no closing quote", lineText: String(text),
                                                           suggestion: nil))
                        tokens = []
                        break
                    }
                    tokens.append(Token(kind: .string, text: value, line: line, column: start + 1, length: i - start))
                    continue
                }
                let start = i
                while i < chars.count, !" \t\r|#\"".contains(chars[i]) { i += 1 }
                tokens.append(Token(kind: .word, text: String(chars[start..<i]), line: line, column: start + 1, length: i - start))
            }
            lines.append(tokens)
        }
        return (lines, problems)
    }
}
