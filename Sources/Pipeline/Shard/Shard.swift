import ErrorVocabulary
import ImageCore

/// One of N processes splitting a batch between them without talking: shard K of N (K counts from 0, as
/// Kubernetes' `JOB_COMPLETION_INDEX` and AWS Batch's array index do) takes the files whose key — the path
/// below the input's folder (`InputFiles.root(of:)`, the rule pipeline item names follow) — it wins by
/// rendezvous (highest-random-weight) hashing.
///
/// Why rendezvous: every shard computes the same owner for a key from the key alone, so no list is
/// shared; adding files moves none of the others; and going from N to N+1 shards moves only the ~1/(N+1)
/// of the files the new shard wins (`RendezvousHash`). Journals are kept per `K-of-N`, though: a run with
/// another N starts new ones, so a pipeline that pays refuses to (`JournalDivision`).
public struct Shard: Sendable, Hashable, CustomStringConvertible {
    /// This shard's number, 0 ..< count.
    public let index: Int
    /// How many shards split the batch.
    public let count: Int

    /// The most shards imagepipe accepts: far beyond any array job, and keeps a typo like `3/40000000`
    /// from costing 40 million hashes per file.
    public static let maximumCount = 100_000

    public init(index: Int, count: Int) throws(ShardError) {
        guard count >= 1, count <= Self.maximumCount else { throw .badCount(count) }
        guard index >= 0, index < count else { throw .indexOutOfRange(index: index, count: count) }
        self.index = index
        self.count = count
    }

    /// Parses `K/N`, as typed after `--shard`.
    public init(parsing text: String) throws(ShardError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else { throw .notKOfN(text) }
        try self.init(index: index, count: count)
    }

    /// `K/N`.
    public var description: String { "\(index)/\(count)" }

    /// The folder name of this shard's journal and report below the output folder: `shards/K-of-N`.
    public var folder: String { "shards/\(index)-of-\(count)" }

    /// True when this shard takes the file or item with this key.
    public func takes(_ key: String) -> Bool { Self.owner(of: key, count: count) == index }

    /// The shard, 0 ..< count, that wins `key`.
    public static func owner(of key: String, count: Int) -> Int { RendezvousHash.owner(of: key, count: count) }

    /// The files this shard takes of those the input argument `pattern` (a file, a folder or a glob) found.
    /// Each file's key is its path below the pattern's folder, as a pipeline names its items, so every shard
    /// agrees wherever the input folder is mounted.
    public func taking(_ files: [String], foundBy pattern: String) -> [String] {
        let root = InputFiles.root(of: pattern)
        return files.filter { takes(InputFiles.relativePath(of: $0, below: root)) }
    }
}

/// Why a `--shard` value, or the engine's variables `--shard auto` reads, name no shard.
public enum ShardError: SubjectError, Equatable {
    case notKOfN(String)
    case badCount(Int)
    case indexOutOfRange(index: Int, count: Int)
    /// A variable holds something other than a whole number.
    case notANumber(variable: String, value: String)
    /// An index variable is set, but nothing says how many shards there are.
    case noCount(indexVariable: String)
    /// `auto` found none of the engines' index variables.
    case noEngine

    public var subject: String {
        switch self {
        case .notKOfN, .badCount, .indexOutOfRange, .noEngine: "--shard"
        case .notANumber(let variable, _): variable
        case .noCount(let variable): variable
        }
    }

    public var reason: String {
        switch self {
        case .notKOfN(let text): "expected K/N (shard K of N, K counting from 0, e.g. 0/4 … 3/4) or auto, but received '\(text)'"
        case .badCount(let count): "the number of shards must be from 1 to \(Shard.maximumCount), not \(count)"
        case .indexOutOfRange(let index, let count): "shard \(index) of \(count) does not exist: K counts from 0 to \(count - 1)"
        case .notANumber(_, let value): "expected a whole number but found '\(value)'"
        case .noCount: "is set, but not how many shards there are: set \(ShardEnvironment.countVariable) (e.g. the Job's completions)"
        case .noEngine:
            "auto found no shard index: set one of " + ShardEnvironment.indexVariables.joined(separator: ", ")
                + " (with \(ShardEnvironment.countVariable)), or give K/N"
        }
    }
}

extension PipelineItem {
    /// What decides the item's shard: its path below its input's folder, or the name of a named item.
    var shardKey: String { relativePath ?? name.text }
}
