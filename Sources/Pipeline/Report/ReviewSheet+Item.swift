import Foundation

/// One item's card on the review sheet.
extension ReviewSheet {
    func card(_ item: ItemReport, number: Int, rules: RuleVerdicts.Found) -> String {
        let id = "item-\(number)"
        var html = "<article class=\"item s-\(item.state.rawValue)\" id=\"\(id)\">\n"
        html += "<h2><a href=\"#\(id)\">\(Self.escape(item.name))</a> <span class=\"state s-\(item.state.rawValue)\">\(item.state.rawValue)</span>"
            + (item.simulated ? " <b class=\"sim\">SIMULATED</b>" : "") + "</h2>\n"
        html += pictures(item)
        html += "<dl>" + facts(item).map { "<dt>\($0.0)</dt><dd>\($0.1)</dd>" }.joined() + "</dl>\n"
        html += verdicts(item)
        html += ruleVerdicts(rules)
        var files: [String] = []
        if let input = item.input { files.append("<a href=\"\(Self.escape(link(input)))\">reference</a>") }
        if let output = item.output, output != item.input { files.append("<a href=\"\(Self.escape(link(output)))\">output</a>") }
        if !files.isEmpty { html += "<p class=\"files\">Full size: " + files.joined(separator: " · ") + "</p>\n" }
        return html + "</article>\n"
    }

    /// The reference beside the output, each a thumbnail linking to its full-size file. A picture without
    /// a thumbnail is not loaded in full (a reference may be 30 MB): its place says why it is empty.
    private func pictures(_ item: ItemReport) -> String {
        var figures: [String] = []
        // An image-to-image item's reference; in a pipeline that generates nothing the input is the output.
        if let input = item.input, item.output != input {
            figures.append(figure(thumbnail: item.referenceThumbnail, full: input, caption: "reference", alt: "reference for \(item.name)",
                                  missing: "no thumbnail of the reference"))
        }
        let missing = item.output == nil ? "no output" + (item.state.hasOutput ? "" : " (\(item.state.rawValue))") : "no thumbnail"
        figures.append(figure(thumbnail: item.thumbnail, full: item.output, caption: item.input == nil || item.output == item.input ? "image" : "output",
                              alt: "output for \(item.name)", missing: missing))
        return "<div class=\"pics\(figures.count == 1 ? " one" : "")\">" + figures.joined() + "</div>\n"
    }

    private func figure(thumbnail: String?, full: String?, caption: String, alt: String, missing: String) -> String {
        var body: String
        if let thumbnail {
            body = "<img src=\"\(Self.escape(link(thumbnail)))\" alt=\"\(Self.escape(alt))\" loading=\"lazy\" decoding=\"async\">"
            if let full { body = "<a href=\"\(Self.escape(link(full)))\">" + body + "</a>" }
        } else {
            body = "<div class=\"none\">\(Self.escape(missing))</div>"
        }
        return "<figure>" + body + "<figcaption>\(caption)</figcaption></figure>"
    }

    /// Model and tier, ratio and distortion, the size received against the size paid for, credits and
    /// price, backend (when it is not the run's), task id and prompt; what is unknown is left out.
    private func facts(_ item: ItemReport) -> [(String, String)] {
        var facts: [(String, String)] = []
        if let model = item.model { facts.append(("model", "<code>\(Self.escape(model))</code>" + (item.tier.map { ", \(Self.escape($0))" } ?? ""))) }
        if let ratio = item.ratio {
            facts.append(("ratio", Self.escape(ratio) + (item.distortion.map { String(format: ", %.1f %% distortion", $0 * 100) } ?? "")))
        }
        if item.width != nil || item.expected != nil { facts.append(("size", size(item))) }
        if let credits = item.credits {
            facts.append(("cost", "\(credits) credits" + (item.price.map { " (\(Self.dollars($0)))" } ?? "")))
        }
        if let backend = item.backend, backend != report.backend { facts.append(("backend", "<code>\(Self.escape(backend))</code>")) }
        if let task = item.taskID { facts.append(("task", "<code>\(Self.escape(task))</code>")) }
        if let prompt = item.prompt { facts.append(("prompt", Self.escape(prompt))) }
        return facts
    }

    /// "1024×1024 received · 4096×4096 paid for (published)", in red when verify found the size wrong.
    private func size(_ item: ItemReport) -> String {
        var parts: [String] = []
        if let width = item.width, let height = item.height { parts.append("\(width)×\(height) received" + (item.format.map { " (\(Self.escape($0)))" } ?? "")) }
        if let expected = item.expected {
            parts.append("\(expected.width)×\(expected.height) paid for" + (item.confidence.map { " (\($0.rawValue))" } ?? ""))
        } else if item.width != nil, item.model != nil {
            parts.append("no size listed for this ratio and tier")
        }
        let sizeKinds: Set<ItemProblem.Kind> = [.wrongSize, .downgraded, .wrongRatio]
        let wrong = item.problems.contains { sizeKinds.contains($0.kind) && !$0.isNotice }
        let matches = item.expected.map { $0.width == item.width && $0.height == item.height } ?? false
        return "<span class=\"\(wrong ? "bad" : matches ? "good" : "")\">" + parts.joined(separator: " · ") + "</span>"
    }

    /// Every problem with its kind — failures and notices apart — and, for verify's verdicts, their values.
    private func verdicts(_ item: ItemReport) -> String {
        var lines: [String] = []
        if item.verified == true {
            lines.append("<li><span class=\"kind notice\">verified</span> whole, the size paid for, not blank</li>")
        }
        for problem in item.problems {
            var line = "<li><span class=\"kind \(problem.isNotice ? "notice" : "fail")\">\(problem.kind.rawValue)</span> \(Self.escape(problem.reason))"
            if !problem.subject.isEmpty, ![item.name, item.input, item.output, item.taskID].contains(problem.subject),
                !problem.reason.contains(problem.subject)
            {
                line += " <small>(\(Self.escape(problem.subject)))</small>"
            }
            if let verdict = problem.verdict, let values = Self.values(of: verdict), !values.isEmpty { line += " <small>\(Self.escape(values))</small>" }
            lines.append(line + "</li>")
        }
        guard !lines.isEmpty else { return "" }
        return "<ul class=\"verdicts\">" + lines.joined() + "</ul>\n"
    }

    /// A verify verdict's values as report.json has them (`tier 4K · received 1K · width 1024 …`), the
    /// message and kind left out since the line shows them.
    static func values(of verdict: VerifyProblem) -> String? {
        guard let data = try? JSONEncoder().encode(verdict),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        else { return nil }
        return object.filter { $0.key != "kind" && $0.key != "message" }.sorted { $0.key < $1.key }.map { key, value in
            if let edges = value as? [Int], edges.count == 2 { return "\(key) \(edges[0])×\(edges[1])" }
            return "\(key) \(value)"
        }.joined(separator: " · ")
    }

    /// The marketplace rule verdicts, one list per preset, when report.json has them for the item (the
    /// `presets` field, written by `verify preset`).
    private func ruleVerdicts(_ found: RuleVerdicts.Found) -> String {
        switch found {
        case .none:
            return ""
        case .unreadable(let why):
            return "<section class=\"rules\"><h3>Rule verdicts</h3><p class=\"bad\">report.json has rule verdicts in a shape this sheet does not read: \(Self.escape(why))</p></section>\n"
        case .presets(let presets):
            var html = "<section class=\"rules\"><h3>Rule verdicts</h3>"
            for preset in presets {
                html += "<p><b>\(Self.escape(preset.preset))</b> <span class=\"kind \(preset.passes ? "notice" : "fail")\">\(preset.passes ? "passes" : "fails")</span></p><ul class=\"verdicts\">"
                for verdict in preset.verdicts {
                    let mark = verdict.outcome == "fail" ? "fail" : "notice"
                    html += "<li><span class=\"kind \(mark)\">\(Self.escape(verdict.outcome))</span> \(Self.escape(verdict.rule))"
                    if let measured = verdict.measured { html += ": \(Self.escape(measured))" }
                    if let expected = verdict.expected { html += " (expected \(Self.escape(expected)))" }
                    if let fix = verdict.fix { html += " — \(Self.escape(fix))" }
                    var notes: [String] = []
                    if let evidence = verdict.evidence { notes.append(evidence) }
                    if let assumption = verdict.assumption { notes.append(assumption) }
                    if !notes.isEmpty { html += " <small>\(Self.escape(notes.joined(separator: "; ")))</small>" }
                    html += "</li>"
                }
                html += "</ul>"
            }
            return html + "</section>\n"
        }
    }
}
