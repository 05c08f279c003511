import ErrorVocabulary
import Foundation
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A size seen in real outputs of one model, tier and aspect ratio.
public struct ObservedSize: Sendable, Codable, Equatable {
    public var model: String
    public var tier: ResolutionTier
    public var aspect: String
    public var size: PixelSize
    /// How many passing outputs had this size.
    public var count: Int
    public var firstSeen: Date
    public var lastSeen: Date
    /// The size seen before the service changed it, and when the change was seen.
    public var previous: PixelSize?
    public var changedAt: Date?
}

/// What recording one observation did.
public enum ObservedChange: Sendable, Equatable {
    /// The first real output seen for that model, tier and ratio.
    case new
    /// The same size as before.
    case same
    /// A different size from the one recorded: the service changed it.
    case changed(from: PixelSize)
}

/// The observed sizes: what real outputs of `reported` and `assumed` sizes turned out to be. Later
/// verifies expect exactly these sizes and name a change.
public struct ObservedSizes: Sendable, Codable, Equatable {
    /// The file format's version.
    public var schema = 1
    public var about = "Output sizes imagepipe has seen in real (not simulated) outputs that passed verify. "
        + "Used as the expected size for sizes the catalogue marks reported or assumed. Safe to delete."
    public var sizes: [ObservedSize] = []

    public init() {}

    public func size(model: String, tier: ResolutionTier, aspect: String) -> ObservedSize? {
        sizes.first { $0.model == model && $0.tier == tier && $0.aspect == aspect }
    }

    mutating func record(_ size: PixelSize, model: String, tier: ResolutionTier, aspect: String, at date: Date) -> ObservedChange {
        guard let index = sizes.firstIndex(where: { $0.model == model && $0.tier == tier && $0.aspect == aspect }) else {
            sizes.append(ObservedSize(model: model, tier: tier, aspect: aspect, size: size, count: 1, firstSeen: date, lastSeen: date))
            sizes.sort { ($0.model, $0.tier.rawValue, $0.aspect) < ($1.model, $1.tier.rawValue, $1.aspect) }
            return .new
        }
        let old = sizes[index].size
        sizes[index].lastSeen = date
        if old == size {
            sizes[index].count += 1
            return .same
        }
        sizes[index].previous = old
        sizes[index].changedAt = date
        sizes[index].size = size
        sizes[index].count = 1
        sizes[index].firstSeen = date
        return .changed(from: old)
    }
}

/// The user-level file of observed sizes: `$IMAGEPIPE_OBSERVED_SIZES`, else
/// `$XDG_DATA_HOME/imagepipe/observed-sizes.json` (`~/.local/share/imagepipe/observed-sizes.json`).
/// Updates are read-modify-write under an exclusive lock (`flock` on a `.lock` file beside it) and
/// replace the file atomically, so concurrent verifies never lose or tear an entry.
public struct ObservedSizeStore: Sendable, Equatable {
    public let path: String

    public static let environmentVariable = "IMAGEPIPE_OBSERVED_SIZES"

    public init(path: String) {
        self.path = path
    }

    /// The store a command uses: `path` when given (a flag), else the environment variable, else the
    /// default location; nil when none can be found (no `HOME`).
    public static func locate(_ path: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) -> ObservedSizeStore? {
        if let path, !path.isEmpty { return ObservedSizeStore(path: path) }
        if let path = environment[environmentVariable], !path.isEmpty { return ObservedSizeStore(path: path) }
        if let data = environment["XDG_DATA_HOME"], data.hasPrefix("/") {
            return ObservedSizeStore(path: data + "/imagepipe/observed-sizes.json")
        }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return ObservedSizeStore(path: home + "/.local/share/imagepipe/observed-sizes.json")
    }

    /// The sizes recorded so far; none when the file does not exist yet.
    public func load() throws(ObservedSizesError) -> ObservedSizes {
        guard FileManager.default.fileExists(atPath: path) else { return ObservedSizes() }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable(path: path, detail: "not readable")
        }
        do {
            return try Self.decoder.decode(ObservedSizes.self, from: data)
        } catch {
            throw .invalid(path: path, detail: "not an observed-sizes file (\(Self.describe(error))); delete it to start again")
        }
    }

    /// Records one passing real output's size and says what changed.
    public func record(_ size: PixelSize, model: String, tier: ResolutionTier, aspect: String, at date: Date = Date()) throws(ObservedSizesError) -> ObservedChange {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw .unwritable(path: path, detail: "cannot create \(directory)")
            }
        }
        let lock = open(path + ".lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard lock >= 0 else { throw .unwritable(path: path, detail: String(cString: strerror(errno))) }
        defer { close(lock) }  // closing releases the lock
        guard flock(lock, LOCK_EX) == 0 else { throw .unwritable(path: path, detail: String(cString: strerror(errno))) }
        var sizes = try load()
        let change = sizes.record(size, model: model, tier: tier, aspect: aspect, at: date)
        do {
            try Self.encoder.encode(sizes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .unwritable(path: path, detail: Self.describe(error))
        }
        return change
    }

    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    private static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    private static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
            DecodingError.dataCorrupted(let context):
            context.debugDescription
        default: (error as NSError).localizedDescription
        }
    }
}

/// Why the observed-sizes file could not be used.
public enum ObservedSizesError: SubjectError, Equatable {
    case unreadable(path: String, detail: String)
    case invalid(path: String, detail: String)
    case unwritable(path: String, detail: String)

    public var path: String {
        switch self {
        case .unreadable(let path, _), .invalid(let path, _), .unwritable(let path, _): path
        }
    }

    public var reason: String {
        switch self {
        case .unreadable(_, let detail): "cannot read the observed sizes: \(detail)"
        case .invalid(_, let detail): "invalid observed sizes: \(detail)"
        case .unwritable(_, let detail): "cannot record an observed size: \(detail)"
        }
    }

    public var subject: String { path }
}
