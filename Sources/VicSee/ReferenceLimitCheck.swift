import Foundation

/// A range of width ÷ height, as the service's reference limits give it (0.4 to 2.5).
public struct RatioRange: Sendable, Codable, Equatable, CustomStringConvertible {
    public var min: Double
    public var max: Double

    public init(min: Double, max: Double) {
        self.min = min
        self.max = max
    }

    public func contains(_ ratio: Double) -> Bool { ratio >= min && ratio <= max }

    public var description: String { "\(Self.format(min))–\(Self.format(max))" }

    /// A ratio with two decimals at most: 0.4, 2.5, 3.03.
    static func format(_ value: Double) -> String {
        var trimmed = Substring(String(format: "%.2f", value))
        while trimmed.hasSuffix("0") { trimmed = trimmed.dropLast() }
        if trimmed.hasSuffix(".") { trimmed = trimmed.dropLast() }
        return String(trimmed)
    }
}

/// A reference the service would refuse, by the model's limits in the catalogue (the ones its own client
/// publishes: width ÷ height from 0.4 to 2.5, at most 36 megapixels, at most 30 MB). Each case carries
/// the measured value and the limit.
public enum ReferenceLimitViolation: Error, Sendable, Equatable, CustomStringConvertible {
    case bytes(Int, max: Int)
    case megapixels(width: Int, height: Int, max: Double)
    case ratio(width: Int, height: Int, allowed: RatioRange)

    public var description: String {
        switch self {
        case .bytes(let bytes, let max): "the file is \(bytes) bytes; the service takes at most \(max)"
        case .megapixels(let width, let height, let max):
            "\(width)×\(height) is \(RatioRange.format(Double(width * height) / 1_000_000)) megapixels; the service takes at most \(RatioRange.format(max))"
        case .ratio(let width, let height, let allowed):
            "\(width)×\(height) has a width ÷ height of \(RatioRange.format(Double(width) / Double(max(height, 1)))); the service takes \(allowed) (wide strips such as 3:1 are refused)"
        }
    }
}

extension ModelSpec.ReferenceLimits {
    /// Every limit a reference of `width` × `height` (upright) and `bytes` breaks; bytes nil when unknown.
    public func violations(width: Int, height: Int, bytes: Int?) -> [ReferenceLimitViolation] {
        var found: [ReferenceLimitViolation] = []
        if let ratio, !ratio.contains(Double(width) / Double(Swift.max(height, 1))) {
            found.append(.ratio(width: width, height: height, allowed: ratio))
        }
        if let maxMegapixels, Double(width) * Double(height) > maxMegapixels * 1_000_000 {
            found.append(.megapixels(width: width, height: height, max: maxMegapixels))
        }
        if let bytes, bytes > maxBytes { found.append(.bytes(bytes, max: maxBytes)) }
        return found
    }

    /// The largest width × height accepted, in pixels; nil when not known.
    public var maxPixels: Int? { maxMegapixels.map { Int($0 * 1_000_000) } }
}
