/// The end of an item's checks when there is no `verify` step: an output on disk (or, in a pipeline that
/// generates nothing, an input that passed `check`) is done.
struct Acceptance: ItemStage {
    var keyword: String { "done" }

    func run(_ item: inout ItemContext, in run: RunContext) async throws(ItemStop) {
        guard Self.subject(of: item, in: run) != nil, ![.done, .rejected].contains(item.record.state) else { return }
        let input = run.spec.generate == nil ? item.item.input : nil
        try item.move(to: .done, step: keyword, in: run) { record in
            if let input { record.output = input }
        }
    }

    /// The file an item's verdict is about: its output once downloaded, or its input when the pipeline
    /// generates nothing; nil when there is none yet.
    static func subject(of item: ItemContext, in run: RunContext) -> String? {
        if run.spec.generate != nil {
            return item.record.state.hasOutput ? item.record.output : nil
        }
        guard item.record.state.isUnsent || item.record.state.hasOutput else { return nil }
        return item.record.output ?? item.item.input
    }
}
