/// Rendezvous (highest-random-weight) hashing of a key over N shards: each shard gets a weight for the
/// key and the highest wins. The weights come from FNV-1a over the key's UTF-8 bytes and SplitMix64's
/// finaliser, so they are the same in every process, build and machine — Swift's `hashValue` is seeded
/// anew in every process and would split a batch differently in every pod.
///
/// Self-contained (no imports) so that `bench/partition_bench.swift` can be compiled with it in release mode.
enum RendezvousHash {
    /// The shard, 0 ..< count, with the highest weight for `key`; O(count) per key.
    static func owner(of key: String, count: Int) -> Int {
        let base = fnv1a(key)
        var best = 0
        var bestWeight: UInt64 = 0
        for shard in 0..<count {
            // SplitMix64's own stream: the key's hash stepped `shard + 1` times by the golden ratio, then mixed.
            let weight = mix(base &+ (UInt64(shard) &+ 1) &* 0x9E37_79B9_7F4A_7C15)
            if shard == 0 || weight > bestWeight { (best, bestWeight) = (shard, weight) }
        }
        return best
    }

    /// FNV-1a, 64 bits, over the key's UTF-8 bytes.
    static func fnv1a(_ key: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    /// SplitMix64's finaliser: every input bit reaches every output bit.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
