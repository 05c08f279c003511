import Foundation
import Testing
@testable import Pipeline

/// `Shard`: K/N as typed, `auto` from each batch engine's variables, and the partition's promises —
/// every key in exactly one shard, the same owner in every process, few keys moved when N changes.
@Suite struct ShardTests {
    @Test func kOfNIsParsedAndEveryMistakeNamed() throws {
        #expect(try Shard(parsing: "0/1") == Shard(index: 0, count: 1))
        #expect(try Shard(parsing: "6/7").description == "6/7")
        #expect(try Shard(parsing: "2/4").folder == "shards/2-of-4")
        #expect(throws: ShardError.notKOfN("1")) { try Shard(parsing: "1") }
        #expect(throws: ShardError.notKOfN("a/2")) { try Shard(parsing: "a/2") }
        #expect(throws: ShardError.notKOfN("1/2/3")) { try Shard(parsing: "1/2/3") }
        #expect(throws: ShardError.indexOutOfRange(index: 2, count: 2)) { try Shard(parsing: "2/2") }
        #expect(throws: ShardError.indexOutOfRange(index: -1, count: 2)) { try Shard(parsing: "-1/2") }
        #expect(throws: ShardError.badCount(0)) { try Shard(parsing: "0/0") }
        #expect(ShardError.indexOutOfRange(index: 2, count: 2).description == "--shard: shard 2 of 2 does not exist: K counts from 0 to 1")
    }

    @Test func autoReadsKubernetesSlurmAndAWSBatch() throws {
        func auto(_ environment: [String: String]) throws -> (Shard, String) { try ShardEnvironment.shard(from: environment) }
        let kubernetes = try auto(["JOB_COMPLETION_INDEX": "3", "IMAGEPIPE_SHARD_COUNT": "8"])
        #expect(kubernetes.0 == (try Shard(index: 3, count: 8)))
        #expect(kubernetes.1 == "JOB_COMPLETION_INDEX=3, IMAGEPIPE_SHARD_COUNT=8")
        #expect(throws: ShardError.noCount(indexVariable: "JOB_COMPLETION_INDEX")) { try auto(["JOB_COMPLETION_INDEX": "3"]) }

        #expect(try auto(["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "5"]).0 == Shard(index: 2, count: 5))
        // --array=1-5: numbered from the array's first id.
        let fromOne = try auto(["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_COUNT": "5", "SLURM_ARRAY_TASK_MIN": "1"])
        #expect(fromOne.0 == (try Shard(index: 4, count: 5)))
        #expect(fromOne.1 == "SLURM_ARRAY_TASK_ID=5, SLURM_ARRAY_TASK_COUNT=5, SLURM_ARRAY_TASK_MIN=1")
        // --array=0-30:10 gives ids 0, 10, 20, 30.
        #expect(try auto(["SLURM_ARRAY_TASK_ID": "20", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_STEP": "10"]).0 == Shard(index: 2, count: 4))
        // IMAGEPIPE_SHARD_COUNT overrides the engine's count.
        let overridden = try auto(["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "5", "IMAGEPIPE_SHARD_COUNT": "3"])
        #expect(overridden.0 == (try Shard(index: 2, count: 3)))

        #expect(try auto(["AWS_BATCH_JOB_ARRAY_INDEX": "0", "IMAGEPIPE_SHARD_COUNT": "2"]).0 == Shard(index: 0, count: 2))
        #expect(throws: ShardError.noCount(indexVariable: "AWS_BATCH_JOB_ARRAY_INDEX")) { try auto(["AWS_BATCH_JOB_ARRAY_INDEX": "0"]) }

        #expect(throws: ShardError.noEngine) { try auto(["HOME": "/root"]) }
        #expect(throws: ShardError.notANumber(variable: "IMAGEPIPE_SHARD_COUNT", value: "eight")) {
            try auto(["JOB_COMPLETION_INDEX": "3", "IMAGEPIPE_SHARD_COUNT": "eight"])
        }
        #expect(throws: ShardError.indexOutOfRange(index: 8, count: 8)) { try auto(["JOB_COMPLETION_INDEX": "8", "IMAGEPIPE_SHARD_COUNT": "8"]) }
    }

    static let keys = (0..<10_000).map { "shoot-\($0 / 100)/photo-\($0).jpg" }

    @Test(arguments: [1, 2, 7]) func everyKeyIsInExactlyOneShard(count: Int) throws {
        var taken = [Int](repeating: 0, count: count)
        for key in Self.keys {
            let owners = try (0..<count).filter { try Shard(index: $0, count: count).takes(key) }
            #expect(owners.count == 1)
            taken[owners[0]] += 1
        }
        // Balanced within 10 % of an even share.
        let even = Double(Self.keys.count) / Double(count)
        #expect(taken.allSatisfy { abs(Double($0) - even) < even * 0.1 }, "\(taken)")
    }

    /// The weights are pinned: another process, build or machine gives every key the same owner.
    @Test func theOwnerIsTheSameInEveryProcess() {
        #expect(RendezvousHash.fnv1a("") == 0xCBF2_9CE4_8422_2325)
        #expect(RendezvousHash.fnv1a("a") == 0xAF63_DC4C_8601_EC8C)  // FNV-1a's published test vector
        #expect((0..<12).map { Shard.owner(of: "shoot-\($0)/photo.jpg", count: 7) } == Self.pinnedOwners)
    }

    /// Computed independently (a Python transcription of FNV-1a, SplitMix64 and the rendezvous rule).
    static let pinnedOwners = [5, 2, 5, 3, 3, 3, 3, 3, 6, 1, 3, 2]

    /// Rendezvous hashing: from N to N+1 shards only the keys the new shard wins move (about 1/(N+1)).
    @Test(arguments: [1, 2, 6]) func addingAShardMovesOnlyItsShare(count: Int) {
        let moved = Self.keys.filter { Shard.owner(of: $0, count: count) != Shard.owner(of: $0, count: count + 1) }
        #expect(moved.allSatisfy { Shard.owner(of: $0, count: count + 1) == count })
        let share = Double(moved.count) / Double(Self.keys.count)
        #expect(abs(share - 1 / Double(count + 1)) < 0.03, "\(share)")
    }

    /// Items are split by their path below the input folder, and keep the names the whole batch gives them.
    @Test func aPipelineSplitsItsItemsByRelativePath() throws {
        let batch = [PipelineItem(name: ItemName("a/p"), input: "/mnt/x/a/p.jpg", relativePath: "a/p.jpg"),
                     PipelineItem(name: ItemName("b/p"), input: "/mnt/x/b/p.jpg", relativePath: "b/p.jpg"),
                     PipelineItem(name: ItemName("red mug"))] + (0..<20).map { PipelineItem(name: ItemName("item \($0)")) }
        var seen: [Int] = []
        for index in 0..<3 {
            let (items, positions) = PipelineRunner.select(batch, shard: try Shard(index: index, count: 3))
            #expect(positions.map { batch[$0] } == items)
            #expect(items.allSatisfy { Shard.owner(of: $0.relativePath ?? $0.name.text, count: 3) == index })
            seen += positions
        }
        #expect(seen.sorted() == Array(batch.indices))
        let files = ["/mnt/x/a/p.jpg", "/mnt/x/b/p.jpg", "/mnt/x/c/q.jpg"]
        let taken = try (0..<2).map { try Shard(index: $0, count: 2).taking(files, foundBy: "/mnt/x/**/*.jpg") }
        #expect(taken[0] + taken[1] == files.filter { Shard.owner(of: String($0.dropFirst("/mnt/x/".count)), count: 2) == 0 }
                    + files.filter { Shard.owner(of: String($0.dropFirst("/mnt/x/".count)), count: 2) == 1 })
    }
}
