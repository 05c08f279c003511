import Foundation
import ImageCore
import Testing

/// `--shard K/N|auto` and `imagepipe merge`, with local processes standing in for the pods of an Indexed
/// Job or the tasks of a Slurm array: the shards' union is the whole batch, each file once; a merged
/// report is the one run's, item for item; a shard killed and started again pays nothing twice.
@Suite(.serialized) struct ShardCommandTests {
    /// A folder of 30 small PNGs in subfolders, two of them sharing a file name (`a/p.png`, `b/c/p.png`).
    static func photos() throws -> String {
        let directory = NSTemporaryDirectory() + "imagepipe-shard-" + UUID().uuidString
        var pixels = [UInt8]()
        for y in 0..<12 { for x in 0..<16 { pixels += [UInt8(x * 15), UInt8(y * 20), 90] } }
        let picture = PixelBuffer(width: 16, height: 12, layout: .rgb, pixels: pixels)
        var paths = (0..<28).map { "\(["a", "b/c", "d"][$0 % 3])/photo-\($0).png" }
        paths += ["a/p.png", "b/c/p.png"]
        for path in paths {
            let full = directory + "/photos/" + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try ImageEncoder.write(picture, to: full)
        }
        return directory
    }

    /// The paths `probe --json` printed.
    static func probed(_ result: CommandLineTests.Result) -> [String] {
        result.stdout.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["path"] as? String
        }
    }

    @Test(arguments: [1, 2, 7]) func probeCheckAndThumbShardsTakeEveryFileOnce(count: Int) throws {
        let directory = try Self.photos()
        let all = Self.probed(try CommandLineTests.run(["probe", "--json", directory + "/photos"]))
        #expect(all.count == 30)
        var probed: [String] = [], checked: [String] = [], thumbs: [String] = []
        for index in 0..<count {
            let shard = "\(index)/\(count)"
            let probe = try CommandLineTests.run(["probe", "--json", "--shard", shard, directory + "/photos"])
            #expect(probe.status == 0, "\(probe.stderr)")
            probed += Self.probed(probe)
            // Another spelling of the same folder and a glob: the same files, as the key is the path below it.
            let check = try CommandLineTests.run(["check", "--shard", shard, directory + "/photos/../photos/"])
            #expect(check.status == 0, "\(check.stderr)")
            checked += check.stdout.split(separator: "\n").filter { $0.contains(": ok, ") }.map { String($0.prefix { $0 != ":" }).replacingOccurrences(of: "/../photos", with: "") }
            let thumb = try CommandLineTests.run(["thumb", "--json", "--size", "8", "--shard", shard, "--out", directory + "/thumbs-\(index)",
                                                  directory + "/photos/**/*.png"])
            #expect(thumb.status == 0, "\(thumb.stderr)")
            thumbs += Self.probed(try CommandLineTests.run(["probe", "--json", directory + "/thumbs-\(index)"]))
        }
        #expect(probed.sorted() == all.sorted())
        #expect(Set(checked) == Set(all) && checked.count == all.count)
        #expect(thumbs.count == all.count)
        if count == 7 {
            // Not all in one shard: the hash spreads them.
            let first = Self.probed(try CommandLineTests.run(["probe", "--json", "--shard", "0/7", directory + "/photos"]))
            #expect(first.count > 0 && first.count < 15)
        }
    }

    /// Shards writing `--keep-tree` thumbnails into one shared folder (a volume every pod mounts) make the
    /// same tree, file for file, as one process over the whole folder: a path depends on the input alone.
    @Test(arguments: [2, 7]) func keepTreeLayoutsAreTheSameWhicheverShardWrites(count: Int) throws {
        let directory = try Self.photos()
        func tree(_ folder: String) throws -> [String] {
            try FileManager.default.subpathsOfDirectory(atPath: folder).filter { $0.hasSuffix(".png") }.sorted()
        }
        let whole = try CommandLineTests.run(["thumb", "--size", "8", "--keep-tree", "--out", directory + "/whole", directory + "/photos"])
        #expect(whole.status == 0, "\(whole.stderr)")
        for index in 0..<count {
            let shard = try CommandLineTests.run(["thumb", "--size", "8", "--keep-tree", "--shard", "\(index)/\(count)",
                                                  "--out", directory + "/shared", directory + "/photos"])
            #expect(shard.status == 0, "\(shard.stderr)")
            #expect(!shard.stderr.contains("skipped"), "no shard meets another's file: \(shard.stderr)")
        }
        #expect(try tree(directory + "/whole").count == 30)
        #expect(try tree(directory + "/shared") == (try tree(directory + "/whole")))
    }

    @Test func autoSaysWhatItReadForEachEngine() throws {
        let directory = try Self.photos()
        let expected = Self.probed(try CommandLineTests.run(["probe", "--json", "--shard", "1/3", directory + "/photos"]))
        let engines: [(environment: [String: String], said: String)] = [
            (["JOB_COMPLETION_INDEX": "1", "IMAGEPIPE_SHARD_COUNT": "3"], "shard: 1/3 (auto: JOB_COMPLETION_INDEX=1, IMAGEPIPE_SHARD_COUNT=3)"),
            (["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "3", "SLURM_ARRAY_TASK_MIN": "1"],
             "shard: 1/3 (auto: SLURM_ARRAY_TASK_ID=2, SLURM_ARRAY_TASK_COUNT=3, SLURM_ARRAY_TASK_MIN=1)"),
            (["AWS_BATCH_JOB_ARRAY_INDEX": "1", "IMAGEPIPE_SHARD_COUNT": "3"], "shard: 1/3 (auto: AWS_BATCH_JOB_ARRAY_INDEX=1, IMAGEPIPE_SHARD_COUNT=3)"),
        ]
        for engine in engines {
            let result = try CommandLineTests.run(["probe", "--json", "--shard", "auto", directory + "/photos"], environment: engine.environment)
            #expect(result.status == 0)
            #expect(result.stderr == engine.said + "\n")
            #expect(Self.probed(result) == expected)
        }
        let noCount = try CommandLineTests.run(["check", "--shard", "auto", directory + "/photos"], environment: ["JOB_COMPLETION_INDEX": "1"])
        #expect(noCount.status == 2)
        #expect(noCount.stderr == "JOB_COMPLETION_INDEX: is set, but not how many shards there are: set IMAGEPIPE_SHARD_COUNT (e.g. the Job's completions)\n")
        #expect(noCount.stdout.isEmpty)
        let wrong = try CommandLineTests.run(["verify", "--shard", "3/3", directory + "/photos"])
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("--shard: shard 3 of 3 does not exist: K counts from 0 to 2"))
    }

    // MARK: run and merge

    /// A thumbnails-only pipeline over the photos (no service), writing to `out`.
    static func thumbnailPipeline(_ directory: String) throws -> String {
        let file = directory + "/thumbs.pipe"
        try """
            pipeline thumbs
            input \(directory)/photos/
            thumbnail size 8
            output \(directory)/out
            """.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    /// The items of `directory/out/report.json`, with `directory` taken out of their paths and the task ids
    /// (which differ from run to run) left out.
    static func items(_ directory: String) throws -> [NSDictionary] {
        let text = try String(contentsOfFile: "\(directory)/out/report.json", encoding: .utf8)
            .replacingOccurrences(of: directory + "/", with: "")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let items = try #require(report["items"] as? [[String: Any]])
        return items.map { item in
            var item = item
            item["taskID"] = nil
            return item as NSDictionary
        }
    }

    @Test(arguments: [1, 2, 7]) func runShardsMergeIntoTheOneRunsReport(count: Int) throws {
        let whole = try Self.photos(), sharded = try Self.photos()
        #expect(try CommandLineTests.run(["run", try Self.thumbnailPipeline(whole)]).status == 0)
        let file = try Self.thumbnailPipeline(sharded)
        for index in 0..<count {
            let result = try CommandLineTests.run(["run", file, "--shard", "\(index)/\(count)"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("report: \(sharded)/out/shards/\(index)-of-\(count)/report.json"))
        }
        let merged = try CommandLineTests.run(["merge", sharded + "/out"])
        #expect(merged.status == 0, "\(merged.stderr)")
        #expect(merged.stdout.hasPrefix("30 of 30 done, from \(count) shard(s)\n"))
        #expect(try Self.items(sharded) == Self.items(whole))
        #expect(FileManager.default.fileExists(atPath: sharded + "/out/index.html"))
        let thumbs = try FileManager.default.subpathsOfDirectory(atPath: sharded + "/out/thumbs").filter { $0.hasSuffix(".png") }
        #expect(thumbs.sorted() == (try FileManager.default.subpathsOfDirectory(atPath: whole + "/out/thumbs").filter { $0.hasSuffix(".png") }.sorted()))
    }

    @Test func mergeRefusesAMissingShardMixedCountsAndADuplicatedItem() throws {
        let directory = try Self.photos()
        let file = try Self.thumbnailPipeline(directory)
        for index in [0, 2] { #expect(try CommandLineTests.run(["run", file, "--shard", "\(index)/3"]).status == 0) }
        let missing = try CommandLineTests.run(["merge", directory + "/out"])
        #expect(missing.status == 2)
        #expect(missing.stderr == "\(directory)/out/shards: shard 1-of-3 missing or unfinished (no report.json): run it (--shard 1/3), then merge again\n")
        #expect(!FileManager.default.fileExists(atPath: directory + "/out/report.json"))

        #expect(try CommandLineTests.run(["run", file, "--shard", "1/3"]).status == 0)
        #expect(try CommandLineTests.run(["run", file, "--shard", "0/2"]).status == 0)
        let mixed = try CommandLineTests.run(["merge", directory + "/out"])
        #expect(mixed.status == 2)
        #expect(mixed.stderr.contains("shards of different counts (0-of-2, 0-of-3, 1-of-3, 2-of-3)"))
        try FileManager.default.removeItem(atPath: directory + "/out/shards/0-of-2")
        #expect(try CommandLineTests.run(["merge", directory + "/out"]).status == 0)

        // Shard 2's report made to claim an item of shard 0 as well.
        let zero = directory + "/out/shards/0-of-3/report.json", two = directory + "/out/shards/2-of-3/report.json"
        let first = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: zero))) as? [String: Any])
        var last = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: two))) as? [String: Any])
        var lastShard = try #require(last["shard"] as? [String: Any])
        var lastItems = try #require(last["items"] as? [Any]), positions = try #require(lastShard["positions"] as? [Int])
        let claimed = try #require((first["items"] as? [[String: Any]])?.first)
        lastItems.append(claimed)
        positions.append(try #require((first["shard"] as? [String: Any])?["positions"] as? [Int]).first!)
        lastShard["positions"] = positions
        (last["items"], last["shard"]) = (lastItems, lastShard)
        try JSONSerialization.data(withJSONObject: last).write(to: URL(fileURLWithPath: two))
        let duplicated = try CommandLineTests.run(["merge", directory + "/out"])
        #expect(duplicated.status == 2)
        #expect(duplicated.stderr == "\(claimed["name"] as! String): reported by more than one shard (0/3 and 2/3)\n")
    }

    /// A shard of a generating run, killed with SIGKILL after journal writes and started again (a replaced
    /// pod), finishes its own items without a second submit or charge; the other shard and the merge see
    /// the one run's items. The simulator in its own process counts what was paid.
    /// `plan --shard K/N`: the shards' items split the batch and their credits add up to the whole plan's;
    /// a shard that has run reads its own journal and plans nothing more to pay, the others still cost.
    @Test(.timeLimit(.minutes(3))) func planShardsSplitTheBatchAndReadTheirOwnJournals() throws {
        let (simulator, base) = try CommandLineTests.startSimulator(["--latency", "0.05", "--credits", "100000"])
        defer { simulator.terminate() }
        let directory = NSTemporaryDirectory() + "imagepipe-shard-plan-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let file = directory + "/run.pipe"
        try """
            pipeline planned
            items \((1...9).map { "\"item \($0)\"" }.joined(separator: " "))
            generate model gpt-image-2-text-to-image prompt "a {name} on white" aspect 1:1 concurrency 3
            output \(directory)/out
            """.write(toFile: file, atomically: true, encoding: .utf8)
        func plan(_ extra: [String]) throws -> (names: [String], credits: Int) {
            let result = try CommandLineTests.run(["plan", "--json", file] + extra)
            #expect(result.status == 0, "\(result.stderr)")
            let events = result.stdout.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
            let names = events.filter { $0["event"] as? String == "item" }.compactMap { $0["item"] as? String }
            return (names, events.last?["credits"] as? Int ?? -1)
        }
        let whole = try plan([])
        #expect(whole.names.count == 9 && whole.credits == 72)
        var names: [String] = []
        var credits = 0
        var shares: [Int] = []
        for index in 0..<3 {
            let shard = try plan(["--shard", "\(index)/3"])
            names += shard.names
            credits += shard.credits
            shares.append(shard.credits)
        }
        #expect(names.sorted() == whole.names.sorted())
        #expect(credits == whole.credits)

        let ran = try RunCommandTests.run(file, base, ["--shard", "1/3"])
        #expect(ran.status == 0, "\(ran.stderr)")
        #expect(try plan(["--shard", "1/3"]).credits == 0)
        #expect(try plan(["--shard", "0/3"]).credits == shares[0])
        #expect(try plan([]).credits == whole.credits, "the whole batch's journal is not a shard's")

        // A run divided otherwise would not see what shard 1/3 generated, and would pay for it again.
        let submits = try RunCommandTests.counters(base)["submits"]
        for extra in [[String](), ["--shard", "0/2"]] {
            let refused = try RunCommandTests.run(file, base, extra)
            #expect(refused.status == 2, "\(extra): \(refused.stderr)")
            #expect(refused.stderr.contains("\(directory)/out: shards of 3 keep journals here (shards/K-of-N); "
                + (extra.isEmpty ? "a run without --shard" : "shard 0/2")
                + " would not see what they generated and would pay for it again: run with --shard K/3"), "\(refused.stderr)")
        }
        #expect(try RunCommandTests.counters(base)["submits"] == submits)
        #expect(try RunCommandTests.run(file, base, ["--shard", "2/3"]).status == 0)
    }

    /// After a whole run, a shard of the same output folder is refused before it sends anything.
    @Test(.timeLimit(.minutes(3))) func aShardAfterAWholeRunIsRefused() throws {
        let (simulator, base) = try CommandLineTests.startSimulator(["--latency", "0.05", "--credits", "100000"])
        defer { simulator.terminate() }
        let (directory, file) = try RunCommandTests.pipeline(items: 2)
        #expect(try RunCommandTests.run(file, base).status == 0)
        let refused = try RunCommandTests.run(file, base, ["--shard", "0/2"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("\(directory)/out: a run without --shard keeps its journal here (journal.sqlite); shard 0/2 would not see "
            + "what it generated and would pay for it again"), "\(refused.stderr)")
        #expect(try RunCommandTests.counters(base)["submits"] == 2)
    }

    @Test(.timeLimit(.minutes(5))) func aKilledShardResumesWithoutPayingTwice() throws {
        let (simulator, base) = try CommandLineTests.startSimulator(["--latency", "0.05", "--credits", "100000"])
        defer { simulator.terminate() }
        func pipeline(_ directory: String) throws -> String {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let names = (1...6).map { "\"item \($0)\"" }.joined(separator: " ")
            try """
                pipeline crash
                items \(names)
                generate model gpt-image-2-text-to-image prompt "a {name} on white" aspect 1:1 concurrency 1
                verify
                thumbnail size 32
                output \(directory)/out
                """.write(toFile: directory + "/run.pipe", atomically: true, encoding: .utf8)
            return directory + "/run.pipe"
        }
        let root = NSTemporaryDirectory() + "imagepipe-shard-run-" + UUID().uuidString
        let whole = root + "/whole", sharded = root + "/sharded"
        #expect(try RunCommandTests.run(try pipeline(whole), base).status == 0)
        let file = try pipeline(sharded)
        var kills = 0
        for index in 0..<2 {
            // As in RunCommandTests: one submit at a time, so a kill right after a submit's intent is
            // committed comes before that submit is sent, and --resubmit-unknown cannot charge twice.
            var finished = false
            for attempt in 0..<40 where !finished {
                let result = try RunCommandTests.run(file, base, ["--shard", "\(index)/2", "--resubmit-unknown"],
                                                     environment: ["IMAGEPIPE_CRASH_AFTER_WRITES": String(2 + attempt % 3)])
                if result.status == 0 { finished = true } else {
                    #expect(result.status == 9, "a shard ended with \(result.status) rather than being killed: \(result.stderr)")
                    kills += 1
                }
            }
            #expect(finished)
            let again = try RunCommandTests.run(file, base, ["--shard", "\(index)/2"])
            #expect(again.status == 0)
            #expect(again.stdout.contains("0 credits committed in this run"))
        }
        #expect(kills >= 2)
        let counters = try RunCommandTests.counters(base)
        #expect(counters["submits"] == 12 && counters["charges"] == 12 && counters["refunds"] == 0, "\(counters)")
        #expect(try CommandLineTests.run(["merge", sharded + "/out"]).status == 0)
        #expect(try Self.items(sharded) == Self.items(whole))
    }
}
