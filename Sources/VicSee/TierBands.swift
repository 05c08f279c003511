import Foundation

/// Where an image's pixel count falls among a model's tiers: in one tier's band, or below or above them all.
public enum SizeClass: Sendable, Hashable, Codable, CustomStringConvertible {
    case belowTiers
    case tier(ResolutionTier)
    case aboveTiers

    /// True when this is less than what `tier` pays for: a lower tier's band, or below every band.
    public func isBelow(_ tier: ResolutionTier) -> Bool {
        switch self {
        case .belowTiers: true
        case .tier(let own): own < tier
        case .aboveTiers: false
        }
    }

    /// True when this is more than what `tier` pays for.
    public func isAbove(_ tier: ResolutionTier) -> Bool {
        switch self {
        case .belowTiers: false
        case .tier(let own): own > tier
        case .aboveTiers: true
        }
    }

    /// "1K", "below", "above": the word in JSON.
    public var description: String {
        switch self {
        case .belowTiers: "below"
        case .tier(let tier): tier.rawValue
        case .aboveTiers: "above"
        }
    }

    public init(from decoder: Decoder) throws {
        let word = try decoder.singleValueContainer().decode(String.self)
        switch word {
        case "below": self = .belowTiers
        case "above": self = .aboveTiers
        default:
            guard let tier = ResolutionTier(rawValue: word) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(word)' is not 1K, 2K, 4K, below or above"))
            }
            self = .tier(tier)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A tier's pixel band: the pixel counts an output of that tier may have, whatever its ratio.
public struct PixelBand: Sendable, Equatable {
    public var tier: ResolutionTier
    /// Pixel counts from `lower` (included) to `upper` (excluded).
    public var lower: Double
    public var upper: Double

    public func contains(_ pixels: Int) -> Bool { Double(pixels) >= lower && Double(pixels) < upper }
}

extension ModelSpec {
    /// Each tier's band, derived from the catalogue's sizes, so that a tier is recognised by its pixel count
    /// even where the exact size is not known. A tier spans its listed sizes' pixel counts; the border
    /// between two tiers is the geometric mean of the larger tier's smallest and the smaller tier's
    /// largest count; the lowest band reaches down to half its smallest size and the highest up to twice
    /// its largest (the tiers are about 4× apart in pixels, so these are the borders an unlisted tier
    /// below or above would have). Tiers without a listed size have no band.
    public func pixelBands() -> [PixelBand] {
        let spans: [(tier: ResolutionTier, smallest: Double, largest: Double)] = ResolutionTier.allCases.compactMap { tier in
            let counts = outputSizes(at: tier).map { Double($0.size.size.pixels) }
            guard let smallest = counts.min(), let largest = counts.max() else { return nil }
            return (tier, smallest, largest)
        }
        return spans.indices.map { index in
            let span = spans[index]
            let lower = index == 0 ? span.smallest / 2 : (spans[index - 1].largest * span.smallest).squareRoot()
            let upper = index == spans.count - 1 ? span.largest * 2 : (span.largest * spans[index + 1].smallest).squareRoot()
            return PixelBand(tier: span.tier, lower: lower, upper: upper)
        }
    }

    /// The tier whose band holds `size`'s pixel count, or below or above every band; nil when the model
    /// lists no sizes at all.
    public func sizeClass(of size: PixelSize) -> SizeClass? {
        let bands = pixelBands()
        guard let first = bands.first else { return nil }
        if let band = bands.first(where: { $0.contains(size.pixels) }) { return .tier(band.tier) }
        return Double(size.pixels) < first.lower ? .belowTiers : .aboveTiers
    }
}
