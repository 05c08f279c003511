/// A mistake in a pipeline file, pointed at exactly: `file:line:column`, the line, a caret under the
/// offending word, and the nearest valid word when there is one.
public struct PipelineDiagnostic: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String
    public var line: Int
    public var column: Int
    public var length: Int
    public var message: String
    public var lineText: String
    public var suggestion: String?

    public var description: String {
        var text = "\(file):\(line):\(column): error: \(message)\n    \(lineText)\n    "
        text += String(repeating: " ", count: max(0, column - 1)) + "^" + String(repeating: "~", count: max(0, length - 1))
        if let suggestion { text += "\n    did you mean '\(suggestion)'?" }
        return text
    }
}

/// Every mistake found in a pipeline file, in the order of the file. Printed one after the other, with a
/// count at the end when there are several, as compilers do.
public struct PipelineDiagnostics: Error, CustomStringConvertible, Equatable, Sendable {
    public var all: [PipelineDiagnostic]

    public init(_ all: [PipelineDiagnostic]) {
        self.all = all.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
    }

    public var first: PipelineDiagnostic? { all.first }

    public var description: String {
        let text = all.map(\.description).joined(separator: "\n")
        return all.count > 1 ? text + "\n\(all.count) errors" : text
    }
}

/// The word in `candidates` nearest to `word`, when it is near enough to be a likely typo.
func nearest(_ word: String, in candidates: [String]) -> String? {
    let scored = candidates.map { ($0, editDistance($0, word)) }.min { $0.1 < $1.1 }
    guard let (best, distance) = scored, distance <= max(2, word.count / 3) else { return nil }
    return best
}

/// Levenshtein distance.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.lowercased()), b = Array(b.lowercased())
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
