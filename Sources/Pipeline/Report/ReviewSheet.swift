import Foundation

/// `index.html`, the review sheet: the report as one page a shop team decides from, image by image. It
/// opens from disk with no server and nothing fetched from elsewhere (the thumbnails sit beside it), and
/// carries no data but its markup: no script, no inline images — the state filters are CSS radio buttons.
///
/// Top to bottom: the header (pipeline, its file, backend, date, totals, a SIMULATED banner when any image
/// came from a simulator), the summary tables (items and credits per state, items per problem kind), the
/// filters, then one card per item: the reference beside the output, each a small lazy-loaded thumbnail
/// linking to the full-size file, with everything asked, paid, measured and decided about it.
struct ReviewSheet {
    let report: ReportWriter.Report
    /// Each item's marketplace rule verdicts, read from the encoded report (`presets`).
    let rules: [RuleVerdicts.Found]
    /// The folder the sheet is written to: links inside it are relative, so the folder can move.
    let directory: String

    init(report: ReportWriter.Report, json: Data, directory: String) {
        self.report = report
        self.rules = RuleVerdicts.read(json)
        self.directory = directory
    }

    var html: String {
        var page = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <link rel="icon" href="data:,">
            <title>\(Self.escape(report.pipeline)) – imagepipe review sheet</title>
            <style>\(Self.style)\(filterStyle)</style>
            </head><body>

            """
        page += header + summary + filters
        page += "<main id=\"items\">\n"
        for (index, item) in report.items.enumerated() {
            page += card(item, number: index + 1, rules: index < rules.count ? rules[index] : .none)
        }
        page += "</main>\n<footer>Made by imagepipe from report.json (schema \(report.schema)) on \(Self.escape(Self.date(report.generatedAt))).</footer>\n"
        page += "</body></html>\n"
        return page
    }

    // MARK: Header and summary

    /// The states present, in the order of `ItemState` (the order an item moves through them).
    var states: [ItemState] { ItemState.allCases.filter { report.counts[$0.rawValue] != nil } }

    private var simulatedCount: Int { report.items.filter(\.simulated).count }

    private var header: String {
        var facts: [(String, String)] = []
        if let file = report.pipelineFile { facts.append(("Pipeline file", "<code>\(Self.escape(file))</code>")) }
        var backend = report.backend.map { "<code>\(Self.escape($0))</code>" } ?? "none (nothing generated)"
        if report.backend != nil, report.backend != "simulator", simulatedCount > 0 { backend += " <b class=\"sim\">SIMULATED</b> (its answers say it is a simulator)" }
        facts.append(("Backend", backend))
        facts.append(("Made", "<time datetime=\"\(Self.escape(report.generatedAt))\">\(Self.escape(Self.date(report.generatedAt)))</time>"))
        facts.append(("Items", "\(report.items.count)"))
        facts.append(("Credits", "\(report.credits) (\(Self.dollars(report.price)))"))
        var html = "<header>\n<h1>\(Self.escape(report.pipeline))\(report.simulated ? " <b class=\"sim\">SIMULATED</b>" : "")</h1>\n"
        if report.simulated {
            html += "<p class=\"simnote\">\(simulatedCount) of \(report.items.count) item(s) came from a simulator: "
                + "those images are not VicSee's work, and nothing was paid for them.</p>\n"
        }
        html += "<dl class=\"facts\">" + facts.map { "<div><dt>\($0.0)</dt><dd>\($0.1)</dd></div>" }.joined() + "</dl>\n</header>\n"
        return html
    }

    private var summary: String {
        var html = "<section class=\"summary\" aria-label=\"Summary\">\n<table><caption>Items per state</caption>\n"
        html += "<thead><tr><th scope=\"col\">State</th><th scope=\"col\">Items</th><th scope=\"col\">Credits</th><th scope=\"col\">Meaning</th></tr></thead><tbody>\n"
        for state in states {
            let items = report.items.filter { $0.state == state }
            html += "<tr><th scope=\"row\"><span class=\"state s-\(state.rawValue)\">\(state.rawValue)</span></th><td>\(items.count)</td>"
                + "<td>\(items.reduce(0) { $0 + ($1.credits ?? 0) })</td><td>\(Self.escape(state.meaning))</td></tr>\n"
        }
        html += "</tbody><tfoot><tr><th scope=\"row\">total</th><td>\(report.items.count)</td><td>\(report.credits)</td>"
            + "<td>\(Self.dollars(report.price))</td></tr></tfoot></table>\n"
        var kinds: [String: (items: Int, fails: Bool)] = [:]
        for item in report.items {
            for kind in Set(item.problems.map(\.kind.rawValue)) { kinds[kind, default: (0, false)].items += 1 }
            for problem in item.problems where !problem.isNotice { kinds[problem.kind.rawValue]?.fails = true }
        }
        if !kinds.isEmpty {
            html += "<table><caption>Items per problem kind</caption>\n"
            html += "<thead><tr><th scope=\"col\">Problem</th><th scope=\"col\">Items</th></tr></thead><tbody>\n"
            for (kind, found) in kinds.sorted(by: { $0.key < $1.key }) {
                html += "<tr><th scope=\"row\"><span class=\"kind \(found.fails ? "fail" : "notice")\">\(Self.escape(kind))</span></th><td>\(found.items)</td></tr>\n"
            }
            html += "</tbody></table>\n"
        }
        return html + "</section>\n"
    }

    // MARK: Filters

    /// One radio button per state present (and "all"), before the list they filter: CSS hides the other
    /// states' cards, so the page works with scripts off and costs nothing however many items it holds.
    private var filters: String {
        var inputs = "<input type=\"radio\" name=\"show\" id=\"show-all\" class=\"filter\" checked>"
        var labels = "<label for=\"show-all\" data-state=\"all\">all <span class=\"n\">\(report.items.count)</span></label>"
        for state in states {
            inputs += "<input type=\"radio\" name=\"show\" id=\"show-\(state.rawValue)\" class=\"filter\">"
            labels += "<label for=\"show-\(state.rawValue)\" data-state=\"\(state.rawValue)\"><span class=\"state s-\(state.rawValue)\">\(state.rawValue)</span> "
                + "<span class=\"n\">\(report.counts[state.rawValue] ?? 0)</span></label>"
        }
        return inputs + "\n<nav class=\"filters\" aria-label=\"Show items by state\">Show: " + labels + "</nav>\n"
    }

    private var filterStyle: String {
        (["all"] + states.map(\.rawValue)).map { state in
            let hide = state == "all" ? "" : "#show-\(state):checked~main .item:not(.s-\(state)){display:none}"
            return hide + "#show-\(state):checked~nav label[for=show-\(state)]{background:#222;color:#fff}"
                + "#show-\(state):focus-visible~nav label[for=show-\(state)]{outline:2px solid #06c;outline-offset:2px}"
        }.joined()
    }

    // MARK: Formatting

    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// `path` as a link from the sheet: relative when it lies inside the sheet's folder (so the folder can
    /// move), else a `file://` URL.
    func link(_ path: String) -> String {
        let base = URL(fileURLWithPath: directory).standardizedFileURL.path + "/"
        let full = URL(fileURLWithPath: path).standardizedFileURL.path
        guard full.hasPrefix(base) else { return URL(fileURLWithPath: full).absoluteString }
        return String(full.dropFirst(base.count)).split(separator: "/").map {
            String($0).addingPercentEncoding(withAllowedCharacters: Self.pathSegment) ?? String($0)
        }.joined(separator: "/")
    }

    /// Characters left as they are in a path segment of a relative link (`:` would read as a scheme).
    private static let pathSegment = CharacterSet.urlPathAllowed.subtracting(CharacterSet(charactersIn: ":/"))

    static func dollars(_ amount: Double) -> String { String(format: "$%.3f", amount) }

    /// `2026-11-28T10:31:05Z` as `2026-11-28 10:31:05 UTC`.
    static func date(_ iso: String) -> String {
        iso.hasSuffix("Z") ? iso.dropLast().replacingOccurrences(of: "T", with: " ") + " UTC" : iso
    }

    static let style = """
        *{box-sizing:border-box}
        body{font:15px/1.4 system-ui,sans-serif;margin:0 auto;padding:.75rem;max-width:120rem;background:#f6f6f4;color:#222}
        h1{font-size:1.5rem;margin:.2rem 0 .5rem;overflow-wrap:anywhere}
        code{font:.85em ui-monospace,monospace;overflow-wrap:anywhere}
        a{color:#05a}
        .sim{background:#fc0;color:#000;font-weight:700;font-size:.75rem;letter-spacing:.05em;padding:.1rem .35rem;border-radius:3px;white-space:nowrap}
        .simnote{background:#fff4c2;border-left:4px solid #fc0;padding:.4rem .6rem;margin:.5rem 0}
        dl.facts{display:flex;flex-wrap:wrap;gap:.3rem 1.2rem;margin:.5rem 0}
        dl.facts div{min-width:0;max-width:100%}
        dt{font-size:.75rem;color:#666;text-transform:uppercase;letter-spacing:.03em}
        dd{margin:0;overflow-wrap:anywhere;min-width:0}
        .summary{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-start;margin:.5rem 0 1rem}
        table{border-collapse:collapse;background:#fff;flex:1 1 20rem;max-width:100%}
        caption{text-align:left;font-weight:600;padding:.2rem 0}
        th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #e4e4e4;vertical-align:top;overflow-wrap:anywhere}
        thead th{white-space:nowrap}td:nth-child(2),td:nth-child(3){text-align:right;white-space:nowrap}
        .state,.kind{display:inline-block;font-size:.75rem;font-weight:600;text-transform:uppercase;padding:.05rem .35rem;border-radius:3px;background:#ddd;color:#222;white-space:nowrap}
        .s-done{background:#d6f0d6;color:#145214}.s-rejected,.s-failed{background:#f8d4d4;color:#7a1010}
        .s-unknown,.s-lost{background:#ffe2bf;color:#6b3a00}.s-budget,.s-skipped{background:#dde3ee;color:#243656}
        .kind.fail{background:#f8d4d4;color:#7a1010}.kind.notice{background:#e8e8e8;color:#444}
        input.filter{position:absolute;opacity:0;width:1px;height:1px;margin:0}
        nav.filters{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center;margin:0 0 1rem;position:sticky;top:0;background:#f6f6f4;padding:.4rem 0;z-index:1}
        nav.filters label{cursor:pointer;border:1px solid #bbb;border-radius:1rem;padding:.15rem .6rem;background:#fff;white-space:nowrap}
        main{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,22rem),1fr));gap:.75rem}
        .item{background:#fff;border:1px solid #ddd;border-left:5px solid #999;border-radius:6px;padding:.6rem;min-width:0;overflow-wrap:anywhere;content-visibility:auto;contain-intrinsic-size:auto 36rem}
        .item.s-done{border-left-color:#3a3}.item.s-rejected,.item.s-failed{border-left-color:#c33}.item.s-unknown,.item.s-lost{border-left-color:#e80}
        .item h2{font-size:1rem;margin:0 0 .4rem;display:flex;flex-wrap:wrap;gap:.3rem;align-items:center}
        .item h2 a{color:inherit;text-decoration:none;min-width:0}
        .pics{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:.4rem;margin:0 0 .4rem}
        .pics.one{grid-template-columns:minmax(0,1fr)}
        figure{margin:0;min-width:0}
        figure img,figure .none{display:block;width:100%;aspect-ratio:1;object-fit:contain;background:#eee;border-radius:4px}
        .pics.one img,.pics.one .none{aspect-ratio:2}
        figure .none{display:flex;align-items:center;justify-content:center;text-align:center;color:#777;font-size:.85rem;padding:.5rem}
        figcaption{font-size:.75rem;color:#666;text-align:center}
        .item dl{display:grid;grid-template-columns:minmax(4.5rem,auto) minmax(0,1fr);gap:.15rem .6rem;margin:.3rem 0;font-size:.9rem}
        .item dt{font-size:.75rem;padding-top:.15rem}
        .bad{color:#a11;font-weight:600}.good{color:#185}
        ul.verdicts{list-style:none;padding:0;margin:.3rem 0;font-size:.85rem}
        ul.verdicts li{margin:.2rem 0}
        ul.verdicts small{color:#666}
        .rules{border-top:1px solid #eee;margin-top:.4rem;padding-top:.3rem;font-size:.85rem}
        .rules h3{font-size:.8rem;margin:.2rem 0;text-transform:uppercase;color:#555}
        .rules li{margin:.15rem 0}
        .files{font-size:.8rem;margin:.3rem 0 0;color:#666}
        footer{margin:1.5rem 0 .5rem;font-size:.8rem;color:#777}
        """
}
