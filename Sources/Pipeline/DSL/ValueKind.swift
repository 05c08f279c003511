import ImageCore
import VicSee

/// How the word after an option becomes a typed value, and the value a word again. One kind serves the
/// parser (and its error messages), `imagepipe steps`, the README's table and the canonical key, so a
/// value is written one way everywhere.
public struct ValueKind<Value> {
    /// What the parser expected, for "expected … for resolution but received '8K'".
    public let expected: String
    /// The short form shown in help tables: `1K|2K|4K`, `N`, `TEXT`.
    public let placeholder: String
    /// The words a value may be, when they are a closed set, for "did you mean".
    public let words: [String]
    let parse: (String) -> Value?
    let render: (Value) -> String

    public init(expected: String, placeholder: String, words: [String] = [], parse: @escaping (String) -> Value?,
                render: @escaping (Value) -> String) {
        self.expected = expected
        self.placeholder = placeholder
        self.words = words
        self.parse = parse
        self.render = render
    }
}

extension ValueKind where Value == Int {
    /// A whole number from `min` (to `max`).
    public static func integer(min: Int = 1, max: Int? = nil) -> ValueKind {
        let expected = max.map { "an integer from \(min) to \($0)" } ?? (min == 1 ? "a positive integer" : "an integer of at least \(min)")
        return ValueKind(expected: expected, placeholder: "N", parse: { word in
            guard let number = Int(word), number >= min, number <= (max ?? Int.max) else { return nil }
            return number
        }, render: { String($0) })
    }
}

extension ValueKind where Value == String {
    /// Any word or quoted string.
    public static func text(_ placeholder: String = "TEXT") -> ValueKind {
        ValueKind(expected: "a word or a \"quoted string\"", placeholder: placeholder, parse: { $0 }, render: { $0 })
    }

    /// An http(s) URL.
    public static var url: ValueKind {
        ValueKind(expected: "an http:// or https:// URL", placeholder: "URL", parse: { word in
            word.hasPrefix("http://") || word.hasPrefix("https://") ? word : nil
        }, render: { $0 })
    }
}

extension ValueKind where Value: RawRepresentable & CaseIterable, Value.RawValue == String {
    /// One of the cases of a string enum, by raw value.
    public static var choice: ValueKind {
        let words = Value.allCases.map(\.rawValue)
        return ValueKind(expected: listed(words), placeholder: words.joined(separator: "|"), words: words,
                         parse: { Value(rawValue: $0) }, render: { $0.rawValue })
    }
}

extension ValueKind where Value == ResolutionTier {
    /// 1K, 2K or 4K (any case).
    public static var tier: ValueKind {
        let words = ResolutionTier.allCases.map(\.rawValue)
        return ValueKind(expected: listed(words), placeholder: words.joined(separator: "|"), words: words,
                         parse: { ResolutionTier($0) }, render: { $0.rawValue })
    }
}

extension ValueKind where Value == Double {
    /// A percentage, written `2%` or `2` (as `imagepipe verify --tolerance` takes it), kept as a fraction.
    public static var percentage: ValueKind {
        ValueKind(expected: SizeTolerance.expected, placeholder: "PCT%", parse: { SizeTolerance($0)?.fraction },
                  render: { SizeTolerance(fraction: $0).description })
    }
}

extension ValueKind where Value == Double {
    /// A share of a whole, written `85%` or `0.85` (as `imagepipe convert --fill` takes it), kept as a
    /// fraction above 0 and at most 1.
    public static var share: ValueKind {
        ValueKind(expected: "a share such as 85% or 0.85", placeholder: "PCT%", parse: { word in
            let percent = word.hasSuffix("%")
            guard let number = Double(percent ? String(word.dropLast()) : word), number.isFinite else { return nil }
            let fraction = percent ? number / 100 : number
            return fraction > 0 && fraction <= 1 ? fraction : nil
        }, render: { fraction in
            let percent = (fraction * 1_000_000).rounded() / 10_000
            return percent == percent.rounded() ? "\(Int(percent))%" : "\(percent)%"
        })
    }
}

extension ValueKind where Value == [String] {
    /// One or more names separated by commas (`amazon-main,google-merchant`), each checked elsewhere.
    public static func names(_ placeholder: String) -> ValueKind {
        ValueKind(expected: "one or more names separated by commas", placeholder: placeholder, parse: { word in
            let names = word.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return names.allSatisfy({ !$0.isEmpty }) && !names.isEmpty ? names : nil
        }, render: { $0.joined(separator: ",") })
    }
}

extension ValueKind where Value == [ImageFormat] {
    /// A comma-separated list of formats: `jpeg,png,webp`.
    public static var formats: ValueKind {
        ValueKind(expected: "a list of jpeg, png and webp separated by commas", placeholder: "jpeg,png,webp",
                  words: ["jpeg", "png", "webp"], parse: { word in
            let formats = word.split(separator: ",").map { ImageFormat(fileExtension: String($0)) }
            guard !formats.isEmpty, formats.allSatisfy({ $0 != nil }) else { return nil }
            return formats.compactMap { $0 }
        }, render: { $0.map(\.rawValue).joined(separator: ",") })
    }
}

extension ValueKind where Value == ImageFormat {
    /// jpeg (or jpg), png or webp.
    public static var format: ValueKind {
        ValueKind(expected: "jpeg, png or webp", placeholder: "jpeg|png|webp", words: ["jpeg", "png", "webp"],
                  parse: { ImageFormat(fileExtension: $0) }, render: { $0.rawValue })
    }
}

extension ValueKind where Value == AspectChoice {
    /// `auto` or a ratio such as 16:9.
    public static var aspectChoice: ValueKind {
        ValueKind(expected: "auto or a ratio such as 16:9", placeholder: "auto|W:H", words: ["auto"],
                  parse: { AspectChoice($0) }, render: { $0.description })
    }
}

/// "a, b or c".
func listed(_ words: [String]) -> String {
    guard words.count > 1 else { return words.first ?? "" }
    return words.dropLast().joined(separator: ", ") + " or " + words.last!
}
