/// What a shard's report.json says of the shard, so that `imagepipe merge` can put the shards' items back
/// in the order one run would have listed them, and see an item missing or reported twice.
struct ShardReport: Codable, Equatable {
    var index: Int
    var count: Int
    /// The items of the whole batch, over every shard.
    var batchItems: Int
    /// Each of this shard's items' place in the whole batch, in the order of `items`.
    var positions: [Int]
}
