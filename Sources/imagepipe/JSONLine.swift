/// Builds one JSON object on one line (JSON Lines), in the order fields are added. Written by hand
/// because a probe of thousands of files should not pay for a general encoder per line.
struct JSONLine {
    private var text = "{"

    mutating func add(_ key: String, _ value: String?) {
        field(key)
        if let value { text += quoted(value) } else { text += "null" }
    }

    mutating func add(_ key: String, _ value: Int?) {
        field(key)
        text += value.map(String.init) ?? "null"
    }

    mutating func add(_ key: String, _ value: Double) {
        field(key)
        text += value.isFinite ? String(value) : "null"
    }

    mutating func add(_ key: String, _ value: Bool?) {
        field(key)
        text += value.map { $0 ? "true" : "false" } ?? "null"
    }

    var line: String { text + "}" }

    private mutating func field(_ key: String) {
        if text.count > 1 { text += "," }
        text += quoted(key) + ":"
    }

    private func quoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
