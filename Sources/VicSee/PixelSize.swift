import Foundation

/// A width × height in pixels, as the catalogue lists output sizes and as an image measures. Written in
/// data files as `[width, height]`.
public struct PixelSize: Hashable, Sendable, Codable, CustomStringConvertible {
    public var width: Int
    public var height: Int

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    public var pixels: Int { width * height }
    /// width ÷ height.
    public var ratio: Double { Double(width) / Double(max(height, 1)) }
    public var description: String { "\(width)×\(height)" }

    /// True when each edge is within `tolerance` (0.02 = 2 %) of `other`'s.
    public func matches(_ other: PixelSize, tolerance: Double) -> Bool {
        abs(Double(width - other.width)) <= Double(other.width) * tolerance
            && abs(Double(height - other.height)) <= Double(other.height) * tolerance
    }

    public init(from decoder: Decoder) throws {
        let edges = try decoder.singleValueContainer().decode([Int].self)
        guard edges.count == 2, edges[0] > 0, edges[1] > 0 else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "expected [width, height] of positive integers, got \(edges)"))
        }
        self.init(width: edges[0], height: edges[1])
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode([width, height])
    }
}
