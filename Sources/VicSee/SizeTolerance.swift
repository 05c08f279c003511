import Foundation

/// How far an output's edges may be from the expected size, written one way everywhere: a percentage from
/// 0 up to (not including) 100, with or without the `%` sign — `2%`, `2` and `2.5 %` in a pipeline's
/// `verify tolerance …` and in `imagepipe verify --tolerance …` alike.
public struct SizeTolerance: Sendable, Equatable, CustomStringConvertible {
    /// The tolerance as a fraction: 0.02 for 2 %.
    public var fraction: Double

    public init(fraction: Double) {
        self.fraction = fraction
    }

    /// Parses `2`, `2%` or `2.5 %`; nil for anything else (a negative, 100 or more, not a number).
    public init?(_ text: String) {
        var number = text.trimmingCharacters(in: .whitespaces)
        if number.hasSuffix("%") { number = String(number.dropLast()).trimmingCharacters(in: .whitespaces) }
        guard let percent = Double(number), percent.isFinite, percent >= 0, percent < 100 else { return nil }
        self.init(fraction: percent / 100)
    }

    /// The percentage as written: "2%".
    public var description: String {
        let percent = fraction * 100
        return (percent == percent.rounded() ? String(Int(percent)) : String(percent)) + "%"
    }

    /// The words for a usage message.
    public static let expected = "a percentage such as 2% (or 2) from 0 to below 100"
}
