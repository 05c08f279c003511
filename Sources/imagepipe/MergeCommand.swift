import ArgumentParser
import Pipeline

/// `imagepipe merge OUT`: the shards of a `run --shard K/N` made into one report and review sheet.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine the shards' reports (OUT/shards/K-of-N/) into one report.json and review sheet.",
        discussion: """
            Each `run --shard K/N` keeps its journal and report in OUT/shards/K-of-N/. Once every shard has \
            finished, merge writes OUT/report.json and OUT/index.html with every item of the batch once, in \
            the order one run over the whole batch would list them. Nothing is written unless the shards \
            make up the whole batch: every shard 0 … N-1 present, one N, no item in two shards.

            Exit codes: 0 merged, every item done; 1 merged, some item not done (listed); 2 not merged: a \
            shard missing or unfinished, shards of different N, an item in two shards, an unreadable report.

            Examples:
              imagepipe merge out/thumbnails
            """)

    @Argument(help: "The pipeline's output folder (the one holding shards/).") var directory: String

    func run() throws {
        let outcome: ShardMerge.Outcome
        do { outcome = try ShardMerge.merge(directory: directory) } catch {
            printError(error.description)
            throw ExitCode(2)
        }
        let unfinished = outcome.items.filter { $0.state != .done }
        print("\(outcome.items.count - unfinished.count) of \(outcome.items.count) done, from \(outcome.shards) shard(s)")
        for item in unfinished {
            print("  \(item.name): \(item.state.rawValue)" + (item.problems.isEmpty ? "" : " — " + item.problems.map(\.description).joined(separator: "; ")))
        }
        print("report: \(outcome.reportPath)\nreview sheet: \(outcome.htmlPath)")
        if !unfinished.isEmpty { throw ExitCode(1) }
    }
}
