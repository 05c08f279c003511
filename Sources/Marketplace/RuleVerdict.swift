/// The outcome of one rule on one image.
public struct RuleVerdict: Sendable, Codable, Equatable {
    public enum Outcome: String, Sendable, Codable {
        case pass
        case fail
        /// A recommendation (not a requirement) that the image does not meet.
        case advisory
    }

    /// The rule's id within its preset.
    public var rule: String
    /// The rule's kind (`white-background`, `fill`, ...).
    public var kind: String
    public var outcome: Outcome
    /// What was measured, in words and units ("999 px", "84.0 %").
    public var measured: String
    /// What the rule asks for ("≥ 1000 px").
    public var expected: String
    /// What to change; nil when the rule passes.
    public var fix: String?
    public var evidence: Evidence
    public var source: String
    public var checked: String
    /// Set when the rule's figure is imagepipe's assumption rather than a published one.
    public var assumption: String?
}

/// Every rule of one preset on one image.
public struct PresetReport: Sendable, Codable, Equatable {
    public var preset: String
    public var path: String
    public var verdicts: [RuleVerdict]

    public init(preset: String, path: String, verdicts: [RuleVerdict]) {
        self.preset = preset
        self.path = path
        self.verdicts = verdicts
    }

    /// True when no required rule fails (advisories do not count).
    public var passed: Bool { !verdicts.contains { $0.outcome == .fail } }

    /// The verdicts of the required rules that fail.
    public var failures: [RuleVerdict] { verdicts.filter { $0.outcome == .fail } }

    private enum CodingKeys: String, CodingKey {
        case preset, path, passed, verdicts
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        preset = try c.decode(String.self, forKey: .preset)
        path = try c.decode(String.self, forKey: .path)
        verdicts = try c.decode([RuleVerdict].self, forKey: .verdicts)
    }

    /// Written with `passed`, so that a reader of the JSON (the review sheet, a script) need not know
    /// which outcomes count.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(preset, forKey: .preset)
        try c.encode(path, forKey: .path)
        try c.encode(passed, forKey: .passed)
        try c.encode(verdicts, forKey: .verdicts)
    }

    /// The verdict of the rule with this id.
    public func verdict(_ rule: String) -> RuleVerdict? { verdicts.first { $0.rule == rule } }

    /// One line per rule, as commands print them: `✓ long-side: 1000 px (≥ 1000 px)`.
    public var lines: [String] {
        verdicts.map { verdict in
            let mark = switch verdict.outcome {
            case .pass: "pass"
            case .fail: "FAIL"
            case .advisory: "advice"
            }
            var line = "\(mark) \(verdict.rule): \(verdict.measured) (expected \(verdict.expected))"
            if let fix = verdict.fix { line += " — \(fix)" }
            if let assumption = verdict.assumption { line += " [\(assumption)]" }
            return line
        }
    }
}
