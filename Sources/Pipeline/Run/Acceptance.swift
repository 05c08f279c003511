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

    /// Whether the item's output passed verification (or needed none), so that `fit` and the preset
    /// check work on it. An item rejected only by those two is still accepted here: they judge it again.
    static func isAccepted(_ record: ItemRecord) -> Bool {
        [.done, .rejected].contains(record.state) && record.verified != false
    }

    /// Applies `change` to an accepted item and moves it to the state that follows: done unless its
    /// fit copy could not be made or a required preset rule fails (then rejected).
    static func settle(_ item: inout ItemContext, step: String, in run: RunContext, _ change: (inout ItemRecord) -> Void) throws(ItemStop) {
        var next = item.record
        change(&next)
        let state: ItemState = next.verified != false && !next.problems.contains { [.fit, .preset].contains($0.kind) } ? .done : .rejected
        try item.move(to: state, step: step, in: run, change)
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
