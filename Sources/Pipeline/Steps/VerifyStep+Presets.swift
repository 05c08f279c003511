import ImageCore
import Marketplace

/// `verify preset NAME[,NAME]` at work: the second half of verify, after `fit`. Each item whose output
/// passed verify is held to the presets — on its fitted copy when the pipeline has a `fit` step, else on
/// the output itself (the input, without generate) — and its verdicts are journaled and reported
/// (`presets` in report.json). A required rule that fails rejects the item, with a `preset` problem that
/// names each failing rule, what was measured and what to change. Outputs of a generation are judged as
/// AI-generated (so Google's digital-source-type rule is required of them).
struct PresetVerification: ItemStage {
    let verify: VerifyStep
    /// How its moves are named in a run's lines: `mug: verify preset → rejected — …`.
    var keyword: String { VerifyStep.keyword + " preset" }

    /// Judges the item once per file and settings: a re-run keeps the verdicts; a new fitted copy, a new
    /// output or changed preset rules reach new ones. Without fit it judges the item's final file: the
    /// upscaled output once the upscale is done, the file a shop would be sent.
    func run(_ item: inout ItemContext, in run: RunContext) async throws(ItemStop) {
        guard let names = verify.presets, Acceptance.isAccepted(item.record) else { return }
        let fitting = run.spec.fit != nil
        let final = item.record.finalOutput
        guard let path = fitting ? item.record.fitted : final?.path ?? item.item.input else {
            // No fitted copy (fit failed, and says why): nothing to judge, and older verdicts no longer hold.
            if item.record.presetKey == nil && item.record.presets.isEmpty { return }
            return try Acceptance.settle(&item, step: keyword, in: run) { record in
                record.presets = []
                record.presetKey = nil
                record.problems.removeAll { $0.kind == .preset }
            }
        }
        let presets = names.compactMap { run.presets[$0] }
        let judged = fitting ? "fit " + (item.record.fitKey ?? "") : final?.checksum ?? item.key
        let key = verify.line + " rules " + presets.map { FitStep.fingerprint($0) }.joined(separator: ",") + " of " + path + " " + judged
        if item.record.presetKey == key { return }
        var reports: [PresetReport] = []
        var problems: [ItemProblem] = []
        do {
            let subject = try PresetSubject.load(path: path, aiGenerated: run.spec.generate != nil ? true : nil)
            reports = presets.map { PresetEvaluator.evaluate($0, subject) }
            problems = reports.filter { !$0.passed }.map { report in
                ItemProblem(.preset, subject: path, reason: "\(report.preset): " + report.failures.map(Self.words).joined(separator: "; "))
            }
        } catch {
            problems = [ItemProblem(.preset, subject: path, reason: "cannot be checked against \(names.joined(separator: ", ")): \(error.reason)")]
        }
        try Acceptance.settle(&item, step: keyword, in: run) { record in
            record.presets = reports
            record.presetKey = key
            record.problems.removeAll { $0.kind == .preset }
            record.problems += problems
        }
    }

    /// A failing rule in words: `fill: 60.0 % (…), expected ≥ 85 % — crop the margins …`.
    static func words(_ verdict: RuleVerdict) -> String {
        "\(verdict.rule): \(verdict.measured), expected \(verdict.expected)" + (verdict.fix.map { " — \($0)" } ?? "")
    }
}
