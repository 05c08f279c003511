import ErrorVocabulary
import Foundation

/// `imagepipe merge OUT`: the shards' reports (`OUT/shards/K-of-N/report.json`) made into one
/// `OUT/report.json` and one review sheet, as one run over the whole batch would have written them —
/// or nothing at all when the shards do not make up one whole batch.
public enum ShardMerge {
    /// What was merged.
    public struct Outcome: Sendable {
        public var reportPath: String
        public var htmlPath: String
        public var shards: Int
        public var items: [ItemReport]
    }

    public static func merge(directory: String) throws(ShardMergeError) -> Outcome {
        let folder = directory + "/shards"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { throw .noShards(folder: folder) }
        let shards = names.compactMap(Self.shard(named:)).sorted { ($0.index, $0.count) < ($1.index, $1.count) }
        guard let count = shards.first?.count else { throw .noShards(folder: folder) }
        let counts = Set(shards.map(\.count))
        guard counts.count == 1 else { throw .mixedCounts(folder: folder, folders: shards.map(\.folder).map { String($0.dropFirst("shards/".count)) }) }

        var reports: [(shard: Shard, report: ReportWriter.Report)] = []
        var missing: [Int] = []
        for index in 0..<count {
            let shard = try! Shard(index: index, count: count)
            let path = directory + "/" + shard.folder + "/report.json"
            guard let data = FileManager.default.contents(atPath: path) else {
                missing.append(index)
                continue
            }
            let report: ReportWriter.Report
            do { report = try JSONDecoder().decode(ReportWriter.Report.self, from: data) } catch {
                throw .unreadable(path: path, detail: String(describing: error))
            }
            guard let part = report.shard, part.index == index, part.count == count, part.positions.count == report.items.count else {
                throw .notThisShard(path: path, expected: shard)
            }
            reports.append((shard, report))
        }
        guard missing.isEmpty else { throw .missing(folder: folder, indexes: missing, count: count) }

        let batchItems = reports[0].report.shard!.batchItems
        var placed: [Int: (item: ItemReport, shard: Shard)] = [:]
        for (shard, report) in reports {
            guard report.shard!.batchItems == batchItems, report.pipeline == reports[0].report.pipeline else {
                throw .differentBatches(first: reports[0].shard, other: shard)
            }
            for (position, item) in zip(report.shard!.positions, report.items) {
                if let earlier = placed[position] { throw .duplicated(item: item.name, shards: [earlier.shard, shard]) }
                placed[position] = (item, shard)
            }
        }
        let absent = (0..<batchItems).filter { placed[$0] == nil }
        guard absent.isEmpty, placed.count == batchItems else { throw .itemsMissing(count: absent.count, of: batchItems) }

        let items = (0..<batchItems).map { placed[$0]!.item }
        let first = reports[0].report
        let merged = ReportWriter.make(items, pipeline: first.pipeline, backend: reports.lazy.compactMap { $0.report.backend }.first,
                                       pipelineFile: first.pipelineFile, at: Date())
        do {
            let (json, html) = try ReportWriter.write(merged, directory: directory)
            return Outcome(reportPath: json, htmlPath: html, shards: count, items: items)
        } catch {
            throw .cannotWrite(directory: directory, detail: String(describing: error))
        }
    }

    /// The shard a folder below `shards/` belongs to: `K-of-N`; nil for anything else.
    static func shard(named name: String) -> Shard? {
        let parts = name.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[1] == "of", let index = Int(parts[0]), let count = Int(parts[2]) else { return nil }
        return try? Shard(index: index, count: count)
    }
}

/// Why the shards' reports were not merged (nothing is written then).
public enum ShardMergeError: SubjectError, Equatable {
    case noShards(folder: String)
    case mixedCounts(folder: String, folders: [String])
    case missing(folder: String, indexes: [Int], count: Int)
    case unreadable(path: String, detail: String)
    /// A report that is not the shard its folder names (or not a shard's report at all).
    case notThisShard(path: String, expected: Shard)
    /// Two shards ran over different inputs or pipelines.
    case differentBatches(first: Shard, other: Shard)
    case duplicated(item: String, shards: [Shard])
    case itemsMissing(count: Int, of: Int)
    case cannotWrite(directory: String, detail: String)

    public var subject: String {
        switch self {
        case .noShards(let folder), .mixedCounts(let folder, _), .missing(let folder, _, _): folder
        case .unreadable(let path, _), .notThisShard(let path, _): path
        case .differentBatches(_, let other): "shard \(other)"
        case .duplicated(let item, _): item
        case .itemsMissing: "merge"
        case .cannotWrite(let directory, _): directory
        }
    }

    public var reason: String {
        switch self {
        case .noShards: "no shard folders (K-of-N) here: run with --shard K/N first"
        case .mixedCounts(_, let folders):
            "shards of different counts (\(folders.joined(separator: ", "))): remove the folders of the sharding no longer used"
        case .missing(_, let indexes, let count):
            "shard" + (indexes.count > 1 ? "s " : " ") + indexes.map { "\($0)-of-\(count)" }.joined(separator: ", ")
                + " missing or unfinished (no report.json): run " + (indexes.count > 1 ? "them" : "it") + " ("
                + indexes.map { "--shard \($0)/\(count)" }.joined(separator: ", ") + "), then merge again"
        case .unreadable(_, let detail): "not a report imagepipe can read (\(detail))"
        case .notThisShard(_, let expected): "not the report of shard \(expected): it was written by another run"
        case .differentBatches(let first, _): "ran over other inputs or another pipeline than shard \(first): run every shard with the same pipeline"
        case .duplicated(_, let shards): "reported by more than one shard (" + shards.map(\.description).joined(separator: " and ") + ")"
        case .itemsMissing(let count, let total): "\(count) of the batch's \(total) items are in no shard's report"
        case .cannotWrite(_, let detail): "cannot write the merged report: \(detail)"
        }
    }
}
