import Foundation

/// `index.html`: the report as a page that opens in a browser with no server — each item's thumbnail
/// (or output), state, ratio, verdict and problems.
enum ContactSheet {
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// `path` relative to the report's folder when it lies inside it, so the sheet moves with its folder.
    static func relative(_ path: String, to directory: String) -> String {
        let base = URL(fileURLWithPath: directory).standardizedFileURL.path + "/"
        let full = URL(fileURLWithPath: path).standardizedFileURL.path
        guard full.hasPrefix(base) else { return URL(fileURLWithPath: full).absoluteString }
        return String(full.dropFirst(base.count)).split(separator: "/").map {
            String($0).addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? String($0)
        }.joined(separator: "/")
    }

    static func html(_ report: ReportWriter.Report, directory: String) -> String {
        let cards = report.items.map { item -> String in
            let image = (item.thumbnail ?? item.output).map { "<img loading=\"lazy\" src=\"\(escape(relative($0, to: directory)))\" alt=\"\(escape(item.name))\">" }
                ?? "<div class=\"none\">no image</div>"
            let badge = item.state == .done ? "ok" : "bad"
            let ratio = item.ratio.map { r in "ratio \(escape(r))" + (item.distortion.map { String(format: " (%.1f%% off)", $0 * 100) } ?? "") } ?? ""
            let problems = item.problems.map { "<li>\(escape($0.description))</li>" }.joined()
            return """
                <figure class="\(badge)">\(image)<figcaption><b>\(escape(item.name))</b> <span class="state">\(item.state.rawValue)</span>\
                \(item.simulated ? " <span class=\"sim\">SIMULATED</span>" : "")<br>\(ratio)\
                \(item.verified.map { $0 ? "<br>verified: size, format, not blank" : "<br>verification failed" } ?? "")\
                \(item.credits.map { "<br>\($0) credits" } ?? "")<ul>\(problems)</ul></figcaption></figure>
                """
        }.joined(separator: "\n")
        let counts = report.counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(report.pipeline)) – imagepipe report</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:1rem;background:#fafafa}
            main{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:1rem}
            figure{margin:0;background:#fff;border:3px solid #ccc;border-radius:8px;padding:.5rem;overflow-wrap:anywhere}
            figure.ok{border-color:#3a3}figure.bad{border-color:#c33}
            img{width:100%;height:180px;object-fit:contain;background:#eee}
            .state{font-size:.8rem;text-transform:uppercase}.sim{background:#fc0;padding:0 .3rem;font-size:.75rem}
            figcaption{font-size:.85rem}ul{margin:.3rem 0;padding-left:1.1rem;color:#a22}
            </style></head><body>
            <h1>\(escape(report.pipeline))</h1>
            <p>\(escape(counts)); \(report.credits) credits.</p>
            <main>
            \(cards)
            </main></body></html>
            """
    }
}
