import ImageCore
import VicSee

/// One finding of `Verifier` about an output file. Each case carries its values, has a fixed `kind` word
/// (what scripts and the report match on: `verify --json`, report.json), and prints as its message, the
/// part after `path: ` — `downgraded: 4K paid, 1K-size image received (1024×1024)`. Whether the file
/// fails follows from the kind alone (`fails`); notices (renamed, simulated, size-changed,
/// size-unverified, not-recorded) are reported and do not fail it.
public enum VerifyProblem: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    /// Not a whole, clean image at the decode level asked for: truncated, damaged, not an image at all.
    case undecodable(reason: String)
    /// Named as one format but another: renamed to its real extension (`renamedTo`).
    case renamed(namedAs: String, format: ImageFormat, renamedTo: String)
    /// Its pixel size: wrong size, downgraded, wrong ratio, size changed, exact size unverified.
    case size(SizeProblem)
    /// An upscaled output that is not its source times the factor paid for.
    case upscaleSize(factor: Int, source: PixelSize, received: PixelSize)
    /// A single colour, as safety filters return.
    case blank
    /// Made by imagepipe's simulator (labelled so in its metadata, or from a simulated backend), not by
    /// the service: never recorded as an observed size.
    case simulated
    /// The passing size could not be recorded in the observed-sizes file.
    case notRecorded(store: String, reason: String)

    /// Every kind word, in the order the README lists them.
    public static let kinds = ["undecodable", "renamed"] + SizeProblem.kinds + ["upscale-size", "blank", "simulated", "not-recorded"]

    public var kind: String {
        switch self {
        case .undecodable: "undecodable"
        case .renamed: "renamed"
        case .size(let problem): problem.kind
        case .upscaleSize: "upscale-size"
        case .blank: "blank"
        case .simulated: "simulated"
        case .notRecorded: "not-recorded"
        }
    }

    /// Whether the file fails verification.
    public var fails: Bool {
        switch self {
        case .undecodable, .blank, .upscaleSize: true
        case .size(let problem): problem.fails
        case .renamed, .simulated, .notRecorded: false
        }
    }

    public var description: String {
        switch self {
        case .undecodable(let reason): reason
        case .renamed(let namedAs, let format, let renamedTo):
            "named .\(namedAs) but is \(format.displayName): renamed to \(renamedTo.split(separator: "/").last.map(String.init) ?? renamedTo)"
        case .size(let problem): problem.description
        case .upscaleSize(let factor, let source, let received):
            "upscale size: ×\(factor) of \(source) paid, \(received) received (expected \(source.width * factor)×\(source.height * factor))"
        case .blank: "blank: a single colour, as safety filters return"
        case .simulated: "simulated: made by imagepipe's simulator, not by VicSee"
        case .notRecorded(let store, let reason): "not recorded: \(store): \(reason)"
        }
    }

    enum CodingKeys: String, CodingKey {
        case kind, message, reason, namedAs, format, renamedTo, store, factor, source, received
    }

    public func encode(to encoder: Encoder) throws {
        if case .size(let problem) = self {
            try problem.encode(to: encoder)
            return
        }
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(description, forKey: .message)
        switch self {
        case .undecodable(let reason):
            try container.encode(reason, forKey: .reason)
        case .renamed(let namedAs, let format, let renamedTo):
            try container.encode(namedAs, forKey: .namedAs)
            try container.encode(format.rawValue, forKey: .format)
            try container.encode(renamedTo, forKey: .renamedTo)
        case .notRecorded(let store, let reason):
            try container.encode(store, forKey: .store)
            try container.encode(reason, forKey: .reason)
        case .upscaleSize(let factor, let source, let received):
            try container.encode(factor, forKey: .factor)
            try container.encode(source, forKey: .source)
            try container.encode(received, forKey: .received)
        case .size, .blank, .simulated:
            break
        }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(String.self, forKey: .kind)
        switch kind {
        case "undecodable":
            self = .undecodable(reason: try container.decode(String.self, forKey: .reason))
        case "renamed":
            let word = try container.decode(String.self, forKey: .format)
            guard let format = ImageFormat(rawValue: word) else {
                throw DecodingError.dataCorruptedError(forKey: .format, in: container, debugDescription: "'\(word)' is not jpeg, png or webp")
            }
            self = .renamed(namedAs: try container.decode(String.self, forKey: .namedAs), format: format,
                            renamedTo: try container.decode(String.self, forKey: .renamedTo))
        case "upscale-size":
            self = .upscaleSize(factor: try container.decode(Int.self, forKey: .factor), source: try container.decode(PixelSize.self, forKey: .source),
                                received: try container.decode(PixelSize.self, forKey: .received))
        case "blank": self = .blank
        case "simulated": self = .simulated
        case "not-recorded":
            self = .notRecorded(store: try container.decode(String.self, forKey: .store), reason: try container.decode(String.self, forKey: .reason))
        case _ where SizeProblem.kinds.contains(kind):
            self = .size(try SizeProblem(from: decoder))
        default:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: container, debugDescription: "'\(kind)' is not a verify problem")
        }
    }
}
