import Foundation

/// The marketplace rule verdicts of each item, as report.json carries them in an item's `presets` field:
/// one entry per preset with `preset`, `passed` and `verdicts`, each verdict with `rule`, `outcome`
/// (`pass`, `fail` or `advisory`), `measured`, `expected`, `fix`, `evidence` and `assumption` — the shape
/// of the Marketplace library's `PresetReport`. They are read from the encoded report, not from
/// `ItemReport`, so the sheet shows them whenever the report holds them; an entry of another shape is
/// shown as unreadable, never dropped without a word.
enum RuleVerdicts {
    struct Preset: Decodable, Equatable {
        struct Verdict: Decodable, Equatable {
            var rule: String
            var outcome: String
            var measured: String?
            var expected: String?
            var fix: String?
            var evidence: String?
            var assumption: String?
        }

        var preset: String
        /// True when no required rule fails; worked out from the verdicts when absent.
        var passed: Bool?
        var verdicts: [Verdict]

        var passes: Bool { passed ?? !verdicts.contains { $0.outcome == "fail" } }
    }

    /// What one item's `presets` field holds.
    enum Found: Equatable {
        case none
        case presets([Preset])
        /// The field is there, in a shape the sheet does not know (the decoding error says how).
        case unreadable(String)
    }

    /// One entry per item of the encoded report, in order.
    static func read(_ json: Data) -> [Found] {
        (try? JSONDecoder().decode(Items.self, from: json))?.items.map(\.found) ?? []
    }

    /// "no 'rule' at presets[0].verdicts[1]": what is wrong and where.
    static func describe(_ error: DecodingError) -> String {
        func place(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined().drop { $0 == "." }.description
        }
        switch error {
        case .keyNotFound(let key, let context): return "no '\(key.stringValue)' at \(place(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(context.debugDescription) at \(place(context))"
        @unknown default: return "\(error)"
        }
    }

    private struct Items: Decodable {
        var items: [Item]
    }

    private struct Item: Decodable {
        var found: Found

        enum CodingKeys: String, CodingKey {
            case presets
        }

        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            guard container.contains(.presets), try !container.decodeNil(forKey: .presets) else {
                found = .none
                return
            }
            do {
                let presets = try container.decode([Preset].self, forKey: .presets)
                found = presets.isEmpty ? .none : .presets(presets)
            } catch let error as DecodingError {
                found = .unreadable(RuleVerdicts.describe(error))
            }
        }
    }
}
