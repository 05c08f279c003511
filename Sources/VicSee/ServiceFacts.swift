import Foundation

/// What the catalogue knows of the service beyond its models, each fact with its source: its own
/// storage for references (`POST /upload`), references sent inline as `data:` URIs, and the upscale tool.
public struct ServiceFacts: Sendable, Codable, Equatable {
    /// `POST /upload` answers a presigned URL the bytes are `PUT` to; its public URL goes into `image_urls`.
    public struct Upload: Sendable, Codable, Equatable {
        /// The content types the service's upload allows.
        public var contentTypes: [String]
        /// The largest image the service's own client uploads.
        public var maxBytes: Int
        public var source: String
    }

    /// References sent inside the request as `data:image/…;base64,…` URIs.
    public struct Inline: Sendable, Codable, Equatable {
        public var contentTypes: [String]
        /// The largest file sent inline; larger ones go by upload.
        public var maxBytes: Int
        /// `published`, or `assumed` when the figure is imagepipe's own choice.
        public var confidence: SizeConfidence
        public var source: String
    }

    public var upload: Upload
    public var inline: Inline
    public var upscale: UpscaleTool
}

/// `POST /tools/upscale-image`: a task polled like a generation, charged by the size of its output.
public struct UpscaleTool: Sendable, Codable, Equatable {
    /// A credit tier: outputs of at most `maxMegapixels` cost `credits`.
    public struct Tier: Sendable, Codable, Equatable {
        public var maxMegapixels: Double
        public var credits: Int
    }

    /// The factors the service offers ("1", "2", "4"; 8 is not supported).
    public var factors: [Int]
    public var defaultFactor: Int
    /// By output size, smallest first; an output above the last is refused.
    public var tiers: [Tier]
    public var dollarsPerCredit: Double
    public var source: String

    /// The output of upscaling `input` by `factor`: each edge times the factor.
    public func output(of input: PixelSize, factor: Int) -> PixelSize {
        PixelSize(width: input.width * factor, height: input.height * factor)
    }

    /// The credits an output of `size` costs (input megapixels × factor², in millions of pixels); nil when
    /// the service refuses it (above the last tier).
    public func credits(forOutput size: PixelSize) -> Int? {
        let megapixels = Double(size.width) * Double(size.height) / 1_000_000
        return tiers.first { megapixels <= $0.maxMegapixels }?.credits
    }

    /// The largest output the service makes, in millions of pixels.
    public var maxMegapixels: Double { tiers.last?.maxMegapixels ?? 0 }

    /// The smallest factor above 1 that makes the long side of `input` at least `longSide`; nil when even
    /// the largest factor falls short.
    public func factor(reaching longSide: Int, from input: PixelSize) -> Int? {
        factors.filter { $0 > 1 }.sorted().first { max(input.width, input.height) * $0 >= longSide }
    }
}

/// An upscale the service would refuse, or that cannot reach what was asked; each case carries the
/// values, and says what to change.
public enum UpscaleRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    case factorNotOffered(Int, offered: [Int])
    /// No factor makes the long side of `from` reach `longSide`.
    case outOfReach(longSide: Int, from: PixelSize, largestFactor: Int)
    /// More megapixels than the upscale makes.
    case outputTooLarge(PixelSize, factor: Int, maxMegapixels: Double)

    public var description: String {
        switch self {
        case .factorNotOffered(let factor, let offered):
            "the upscale offers factors \(offered.map(String.init).joined(separator: ", ")), not \(factor)"
        case .outOfReach(let longSide, let from, let largest):
            "\(from) reaches at most \(max(from.width, from.height) * largest) px on its long side (×\(largest)), short of \(longSide): generate at a higher tier"
        case .outputTooLarge(let size, let factor, let max):
            "×\(factor) would make \(size) (\(String(format: "%.1f", Double(size.pixels) / 1_000_000)) MP); the upscale makes at most \(Int(max)) MP: use a smaller factor"
        }
    }
}

/// What an upscale will be: its factor, its output size and its price.
public struct UpscaleDecision: Sendable, Equatable {
    public var factor: Int
    public var output: PixelSize
    public var credits: Int

    public init(factor: Int, output: PixelSize, credits: Int) {
        self.factor = factor
        self.output = output
        self.credits = credits
    }
}

extension UpscaleTool {
    /// The upscale of an image of `size`: by `factor`, or by the smallest factor that brings its long
    /// side to `longSide`; nil when the long side is already there (nothing to pay for).
    public func decide(from size: PixelSize, factor: Int?, longSide: Int?) throws(UpscaleRefusal) -> UpscaleDecision? {
        let chosen: Int
        if let factor {
            guard factors.contains(factor) else { throw .factorNotOffered(factor, offered: factors) }
            chosen = factor
        } else if let longSide {
            if max(size.width, size.height) >= longSide { return nil }
            guard let reaching = self.factor(reaching: longSide, from: size) else {
                throw .outOfReach(longSide: longSide, from: size, largestFactor: factors.max() ?? 1)
            }
            chosen = reaching
        } else {
            chosen = defaultFactor
        }
        let output = output(of: size, factor: chosen)
        guard let credits = credits(forOutput: output) else { throw .outputTooLarge(output, factor: chosen, maxMegapixels: maxMegapixels) }
        return UpscaleDecision(factor: chosen, output: output, credits: credits)
    }
}
