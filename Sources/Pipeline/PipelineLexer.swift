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
    static func tokenize(_ source: String, file: String) throws(PipelineDiagnostic) -> [[Token]] {
        var lines: [[Token]] = []
        for (index, text) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
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
                        throw PipelineDiagnostic(file: file, line: line, column: start + 1, length: chars.count - start,
                                                 message: "this string has no closing quote", lineText: String(text), suggestion: nil)
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
        return lines
    }
}
