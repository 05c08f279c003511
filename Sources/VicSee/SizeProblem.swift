/// What a generation was paid for, as the size check names it: "nano-banana-pro-text-to-image 4K 16:9".
public struct SizeRequest: Sendable, Hashable, Codable, CustomStringConvertible {
    public var model: String
    public var tier: ResolutionTier
    /// "16:9", or "auto" when any ratio the model lists is accepted.
    public var aspect: String

    public init(model: String, tier: ResolutionTier, aspect: String) {
        self.model = model
        self.tier = tier
        self.aspect = aspect
    }

    public var description: String { "\(model) \(tier.rawValue) \(aspect)" }
}

/// What an output's size was checked against.
public enum SizeBasis: String, Sendable, Codable, CaseIterable {
    /// A published size, checked exactly (within the tolerance).
    case published
    /// A size seen in earlier real outputs, checked exactly (within the tolerance).
    case observed
    /// A size other hosts report: ratio and tier band checked.
    case reported
    /// An assumed size: ratio and tier band checked, the exact size unverified.
    case assumed
    /// The catalogue lists no size for the ratio and tier: ratio and tier band checked.
    case unlisted
}

/// What is wrong with (or worth knowing about) an output's pixel size. Each case carries the values it is
/// about, has a fixed `kind` word for scripts, and prints as `kind words: reason`.
public enum SizeProblem: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    /// In the tier paid for but not the published (or observed) size, or more pixels than the tier paid for.
    case wrongSize(request: SizeRequest, received: PixelSize, expected: PixelSize?, basis: SizeBasis, receivedClass: SizeClass?)
    /// Fewer pixels than the tier paid for: a lower tier's band, or below every band. `receivedRatio` is
    /// set when the ratio is not the one asked for either.
    case downgraded(request: SizeRequest, received: PixelSize, receivedClass: SizeClass, receivedRatio: String?)
    /// The tier's pixels, but not the ratio asked for.
    case wrongRatio(request: SizeRequest, received: PixelSize, receivedRatio: String)
    /// A size other than the one observed before, still of the ratio and tier paid for: the service
    /// changed it. Does not fail the file; the new size is recorded.
    case sizeChanged(request: SizeRequest, from: PixelSize, to: PixelSize)
    /// Ratio and tier band are right, but the exact size is only assumed (or not listed) and not yet
    /// observed. Does not fail the file.
    case sizeUnverified(request: SizeRequest, received: PixelSize, assumed: PixelSize?)

    /// The word scripts match on (`verify --json`, report.json).
    public var kind: String {
        switch self {
        case .wrongSize: "wrong-size"
        case .downgraded: "downgraded"
        case .wrongRatio: "wrong-ratio"
        case .sizeChanged: "size-changed"
        case .sizeUnverified: "size-unverified"
        }
    }

    /// Every kind word, for documentation and decoding.
    public static let kinds = ["wrong-size", "downgraded", "wrong-ratio", "size-changed", "size-unverified"]

    /// Whether the output fails verification.
    public var fails: Bool {
        switch self {
        case .wrongSize, .downgraded, .wrongRatio: true
        case .sizeChanged, .sizeUnverified: false
        }
    }

    public var request: SizeRequest {
        switch self {
        case .wrongSize(let request, _, _, _, _), .downgraded(let request, _, _, _), .wrongRatio(let request, _, _),
            .sizeChanged(let request, _, _), .sizeUnverified(let request, _, _):
            request
        }
    }

    public var description: String {
        switch self {
        case .wrongSize(let request, let received, let expected, let basis, let receivedClass):
            let wanted = expected.map { ": \($0) \(basis.rawValue)" } ?? ""
            if let receivedClass, receivedClass.isAbove(request.tier) {
                return "wrong size: \(received) is larger than the \(request.tier.rawValue) paid for (\(request)\(wanted))"
            }
            return "wrong size: \(received) is not the size paid for (\(request)\(wanted))"
        case .downgraded(let request, let received, let receivedClass, let receivedRatio):
            let what = if case .tier(let tier) = receivedClass { "\(tier.rawValue)-size image" } else { "image smaller than any tier" }
            let ratio = receivedRatio.map { ", \($0) where \(request.aspect) was asked" } ?? ""
            return "downgraded: \(request.tier.rawValue) paid, \(what) received (\(received))\(ratio)"
        case .wrongRatio(let request, let received, let receivedRatio):
            let asked = request.aspect == "auto" ? "one of the model's ratios (auto)" : request.aspect
            return "wrong ratio: \(asked) paid, \(receivedRatio) image received (\(received))"
        case .sizeChanged(let request, let from, let to):
            return "size changed: the service changed its \(request.tier.rawValue) \(request.aspect) size for \(request.model) from \(from) to \(to)"
        case .sizeUnverified(let request, _, let assumed):
            let why = assumed.map { "\(request) is assumed to be \($0), not published and not yet observed" }
                ?? "the catalogue lists no size for \(request)"
            return "exact size unverified: \(why); the ratio and the \(request.tier.rawValue) band were checked"
        }
    }

    enum CodingKeys: String, CodingKey {
        case kind, message, model, tier, aspect, width, height, expected, confidence, received, receivedRatio, from, to
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(description, forKey: .message)
        let request = request
        try container.encode(request.model, forKey: .model)
        try container.encode(request.tier, forKey: .tier)
        try container.encode(request.aspect, forKey: .aspect)
        switch self {
        case .wrongSize(_, let received, let expected, let basis, let receivedClass):
            try encodeSize(received, into: &container)
            try container.encodeIfPresent(expected, forKey: .expected)
            try container.encode(basis, forKey: .confidence)
            try container.encodeIfPresent(receivedClass, forKey: .received)
        case .downgraded(_, let received, let receivedClass, let receivedRatio):
            try encodeSize(received, into: &container)
            try container.encode(receivedClass, forKey: .received)
            try container.encodeIfPresent(receivedRatio, forKey: .receivedRatio)
        case .wrongRatio(_, let received, let receivedRatio):
            try encodeSize(received, into: &container)
            try container.encode(receivedRatio, forKey: .receivedRatio)
        case .sizeChanged(_, let from, let to):
            try encodeSize(to, into: &container)
            try container.encode(from, forKey: .from)
            try container.encode(to, forKey: .to)
        case .sizeUnverified(_, let received, let assumed):
            try encodeSize(received, into: &container)
            try container.encodeIfPresent(assumed, forKey: .expected)
        }
    }

    private func encodeSize(_ size: PixelSize, into container: inout KeyedEncodingContainer<CodingKeys>) throws {
        try container.encode(size.width, forKey: .width)
        try container.encode(size.height, forKey: .height)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let request = SizeRequest(model: try container.decode(String.self, forKey: .model),
                                  tier: try container.decode(ResolutionTier.self, forKey: .tier),
                                  aspect: try container.decode(String.self, forKey: .aspect))
        let size = PixelSize(width: try container.decode(Int.self, forKey: .width), height: try container.decode(Int.self, forKey: .height))
        let kind = try container.decode(String.self, forKey: .kind)
        switch kind {
        case "wrong-size":
            self = .wrongSize(request: request, received: size, expected: try container.decodeIfPresent(PixelSize.self, forKey: .expected),
                              basis: try container.decode(SizeBasis.self, forKey: .confidence),
                              receivedClass: try container.decodeIfPresent(SizeClass.self, forKey: .received))
        case "downgraded":
            self = .downgraded(request: request, received: size, receivedClass: try container.decode(SizeClass.self, forKey: .received),
                               receivedRatio: try container.decodeIfPresent(String.self, forKey: .receivedRatio))
        case "wrong-ratio":
            self = .wrongRatio(request: request, received: size, receivedRatio: try container.decode(String.self, forKey: .receivedRatio))
        case "size-changed":
            self = .sizeChanged(request: request, from: try container.decode(PixelSize.self, forKey: .from), to: size)
        case "size-unverified":
            self = .sizeUnverified(request: request, received: size, assumed: try container.decodeIfPresent(PixelSize.self, forKey: .expected))
        default:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: container, debugDescription: "'\(kind)' is not a size problem")
        }
    }
}
