import Foundation

/// A width:height ratio such as 16:9, compared by the distance of their logarithms, so that 2:1 and
/// 1:2 are equally far from 1:1 and a choice never favours landscape over portrait.
public struct AspectRatio: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public let width: Int
    public let height: Int

    public init(width: Int, height: Int) {
        precondition(width > 0 && height > 0)
        self.width = width
        self.height = height
    }

    /// Parses "16:9" (also "16x9" and "16/9").
    public init?(_ text: String) {
        let parts = text.split(whereSeparator: { $0 == ":" || $0 == "x" || $0 == "/" })
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), w > 0, h > 0 else { return nil }
        self.init(width: w, height: h)
    }

    public var value: Double { Double(width) / Double(height) }
    public var description: String { "\(width):\(height)" }

    /// |ln(a) − ln(b)|: 0 for equal ratios, the same for a ratio and its transpose's transpose.
    public func distance(to other: Double) -> Double { abs(log(value) - log(other)) }

    /// The ratio in `candidates` nearest to `width`×`height`, and how far the picture is from it, as the
    /// relative stretch (0.05 = 5 %) that fitting it exactly would need.
    public static func nearest(toWidth width: Int, height: Int, among candidates: [AspectRatio]) -> (ratio: AspectRatio, distortion: Double)? {
        let target = Double(width) / Double(height)
        guard let best = candidates.min(by: { $0.distance(to: target) < $1.distance(to: target) }) else { return nil }
        return (best, exp(best.distance(to: target)) - 1)
    }

    public static func < (a: AspectRatio, b: AspectRatio) -> Bool { a.value < b.value }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let ratio = AspectRatio(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not a ratio like 16:9"))
        }
        self = ratio
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// What a request asks for as aspect ratio: a fixed ratio, or `auto` (the service decides).
public enum AspectChoice: Hashable, Sendable, CustomStringConvertible {
    case auto
    case ratio(AspectRatio)

    public init?(_ text: String) {
        if text.lowercased() == "auto" {
            self = .auto
        } else if let ratio = AspectRatio(text) {
            self = .ratio(ratio)
        } else {
            return nil
        }
    }

    /// The word the service's API uses.
    public var description: String {
        switch self {
        case .auto: "auto"
        case .ratio(let ratio): ratio.description
        }
    }
}

/// The output resolution tier a generation is billed at.
public enum ResolutionTier: String, Sendable, CaseIterable, Codable, Comparable {
    case oneK = "1K"
    case twoK = "2K"
    case fourK = "4K"

    public init?(_ text: String) {
        self.init(rawValue: text.uppercased())
    }

    public static func < (a: ResolutionTier, b: ResolutionTier) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
