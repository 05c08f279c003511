import Foundation

/// How the runs that kept journals in an output folder divided its batch: one whole run
/// (`OUT/journal.sqlite`) and/or shards (`OUT/shards/K-of-N/journal.sqlite`).
///
/// Each run knows only its own journal. A whole run after shards, a shard after a whole run, or a shard
/// of another count (its items are not the same) would not see the items the others generated, and
/// would generate them — and pay for them — again. So a run that pays (generate or upscale) must divide
/// the batch as the journals already there did.
struct JournalDivision: Equatable {
    /// A run without `--shard` kept its journal here.
    var whole = false
    /// The counts N of the shards that kept journals here (`K-of-N`), smallest first.
    var shardCounts: [Int] = []

    /// The journals found in `directory`.
    static func read(_ directory: String) -> JournalDivision {
        let files = FileManager.default
        var division = JournalDivision()
        division.whole = files.fileExists(atPath: directory + "/" + PipelineRunner.journalName)
        let folders = (try? files.contentsOfDirectory(atPath: directory + "/shards")) ?? []
        let counts = folders.compactMap { name -> Int? in
            guard let shard = ShardMerge.shard(named: name),
                  files.fileExists(atPath: directory + "/" + shard.folder + "/" + PipelineRunner.journalName) else { return nil }
            return shard.count
        }
        division.shardCounts = Set(counts).sorted()
        return division
    }

    /// Why a run divided as `shard` (nil: a whole run) would pay again for what these journals hold; nil
    /// when it may start.
    func conflict(with shard: Shard?) -> ShardingConflict? {
        guard let shard else { return shardCounts.isEmpty ? nil : .shardJournals(counts: shardCounts) }
        if whole { return .wholeRunJournal }
        let others = shardCounts.filter { $0 != shard.count }
        return others.isEmpty ? nil : .shardJournals(counts: others)
    }
}

/// What a paying run found in its output folder that it must not run beside (see `JournalDivision`).
public enum ShardingConflict: Sendable, Equatable {
    /// A run without `--shard` kept its journal here, and this run is a shard.
    case wholeRunJournal
    /// Shards of these counts kept journals here, and this run is a whole run or a shard of another count.
    case shardJournals(counts: [Int])
}
