import Crypto

/// An item's name, and the only way it becomes a file name. Names come from users (`items "…"`) and from
/// reference file names, and are used in prompts as they are; in the output folder they become a stem
/// with no path separators, no control characters, no leading dots or dashes and at most 100 bytes, so that no
/// name can write outside the output folder or fail to be written after it was paid for.
public struct ItemName: Hashable, Sendable, CustomStringConvertible {
    public let text: String

    public init(_ text: String) { self.text = text }

    public var description: String { text }

    /// Longest stem, in UTF-8 bytes: file systems allow 255 per name, and room is kept for
    /// `SIMULATED-`, `-2` and an extension.
    static let maximumStemBytes = 100

    /// Why `name` cannot be an item's name at all; nil when it can.
    public static func problem(with name: String) -> String? {
        if name.trimmingCharacters(in: .whitespaces).isEmpty { return "an item name cannot be empty" }
        if let control = name.unicodeScalars.first(where: { $0.properties.generalCategory == .control }) {
            return "the item name \(PipelineLexer.quoted(name)) has a control character (U+\(String(control.value, radix: 16, uppercase: true).leftPadded(to: 4))); item names become file names"
        }
        return nil
    }

    /// The name as a file name stem: separators and control characters become `-`, leading dots, dashes
    /// and spaces go, and an over-long name is cut and made unique again with a short hash of the whole.
    public var fileStem: String {
        var stem = String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
            scalar == "/" || scalar == "\\" || scalar.properties.generalCategory == .control ? "-" : scalar
        }))
        while let first = stem.first, first == "." || first == " " || first == "-" { stem.removeFirst() }
        if stem.isEmpty { stem = "item" }
        guard stem.utf8.count > Self.maximumStemBytes else { return stem }
        var cut = ""
        for character in stem {
            if cut.utf8.count + character.utf8.count > Self.maximumStemBytes - 9 { break }
            cut.append(character)
        }
        let digest = SHA256.hash(data: Array(text.utf8)).prefix(4).map { String($0, radix: 16).leftPadded(to: 2) }.joined()
        return cut + "-" + digest
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
