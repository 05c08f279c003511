// The cost of `--shard`'s partition: the owner of 100,000 paths by rendezvous hashing, for several
// shard counts. Compiled by bench/shard_bench.py with `swiftc -O` together with the real
// Sources/Pipeline/Shard/RendezvousHash.swift; prints `count nanoseconds-per-path checksum` per line.
import Foundation

@main
enum PartitionBench {
    static func main() {
        let paths = (0..<100_000).map { "shoots/2026-\($0 % 12 + 1)/studio-\($0 / 1000)/photo-\($0).jpg" }
        for count in [2, 16, 128, 1024] {
            var best = Double.infinity
            var checksum = 0
            for _ in 0..<5 {
                let start = DispatchTime.now().uptimeNanoseconds
                checksum = 0
                for path in paths { checksum &+= RendezvousHash.owner(of: path, count: count) }
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start))
            }
            print(count, best / Double(paths.count), checksum)
        }
    }
}
