/// Builds one JSON object on one line (JSON Lines), in the order fields are added, directly as UTF-8
/// bytes: a probe of thousands of files should not pay for a general encoder, or for String, per line.
struct JSONLine {
    private(set) var bytes: [UInt8] = [UInt8(ascii: "{")]

    init() {
        bytes.reserveCapacity(256)
    }

    mutating func add(_ key: StaticString, _ value: String?) {
        field(key)
        if let value { quote(value) } else { bytes += "null".utf8 }
    }

    mutating func add(_ key: StaticString, _ value: Int?) {
        field(key)
        if let value { bytes += String(value).utf8 } else { bytes += "null".utf8 }
    }

    mutating func add(_ key: StaticString, _ value: Double) {
        field(key)
        bytes += (value.isFinite ? String(value) : "null").utf8
    }

    mutating func add(_ key: StaticString, _ value: Bool?) {
        field(key)
        bytes += (value.map { $0 ? "true" : "false" } ?? "null").utf8
    }

    /// A value that is already JSON text (an array or object made by an encoder).
    mutating func add(_ key: StaticString, json: String) {
        field(key)
        bytes += json.utf8
    }

    /// The finished object.
    var line: [UInt8] { bytes + [UInt8(ascii: "}")] }

    private mutating func field(_ key: StaticString) {
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes += $0 }
        bytes += "\":".utf8
    }

    private mutating func quote(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        let utf8 = value.utf8
        if !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            bytes += utf8
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes += "\\\"".utf8
            case UInt8(ascii: "\\"): bytes += "\\\\".utf8
            case UInt8(ascii: "\n"): bytes += "\\n".utf8
            case UInt8(ascii: "\r"): bytes += "\\r".utf8
            case UInt8(ascii: "\t"): bytes += "\\t".utf8
            case 0..<0x20:
                let digits = Array("0123456789abcdef".utf8)
                bytes += "\\u00".utf8
                bytes.append(digits[Int(byte >> 4)])
                bytes.append(digits[Int(byte & 15)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
