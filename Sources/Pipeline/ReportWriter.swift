import Foundation
import ImageCore

/// Writes `report.json` and `index.html`, a contact sheet that opens in a browser with no server:
/// each item's thumbnail (or output), its state, inferred ratio and verification result.
enum ReportWriter {
    static func write(_ items: [ItemReport], pipeline: String, directory: String) throws -> (json: String, html: String) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        struct Report: Encodable {
            var pipeline: String
            var items: [ItemReport]
            var done: Int
            var failed: Int
            var credits: Int
        }
        let report = Report(pipeline: pipeline, items: items, done: items.filter { $0.state == "done" }.count,
                            failed: items.filter { $0.state != "done" }.count, credits: items.reduce(0) { $0 + ($1.credits ?? 0) })
        let jsonPath = directory + "/report.json"
        try AtomicFile.write(Array(try encoder.encode(report)), to: jsonPath)
        let htmlPath = directory + "/index.html"
        try AtomicFile.write(Array(html(items, pipeline: pipeline, directory: directory).utf8), to: htmlPath)
        return (jsonPath, htmlPath)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// `path` relative to the report's folder when it lies inside it, so the sheet moves with its folder.
    static func relative(_ path: String, to directory: String) -> String {
        let base = URL(fileURLWithPath: directory).standardizedFileURL.path + "/"
        let full = URL(fileURLWithPath: path).standardizedFileURL.path
        return full.hasPrefix(base) ? String(full.dropFirst(base.count)) : "file://" + full
    }

    static func html(_ items: [ItemReport], pipeline: String, directory: String) -> String {
        let cards = items.map { item -> String in
            let image = (item.thumbnail ?? item.output).map { "<img src=\"\(escape(relative($0, to: directory)))\" alt=\"\(escape(item.name))\">" }
                ?? "<div class=\"none\">no image</div>"
            let badge = item.state == "done" ? "ok" : "bad"
            let ratio = item.ratio.map { r in "ratio \(escape(r))" + (item.distortion.map { String(format: " (%.1f%% off)", $0 * 100) } ?? "") } ?? ""
            let problems = item.problems.map { "<li>\(escape($0))</li>" }.joined()
            return """
                <figure class="\(badge)">\(image)<figcaption><b>\(escape(item.name))</b> <span class="state">\(escape(item.state))</span>\
                \(item.simulated ? " <span class=\"sim\">SIMULATED</span>" : "")<br>\(ratio)\
                \(item.verified.map { $0 ? "<br>verified: size, format, not blank" : "<br>verification failed" } ?? "")\
                \(item.credits.map { "<br>\($0) credits" } ?? "")<ul>\(problems)</ul></figcaption></figure>
                """
        }.joined(separator: "\n")
        return """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>\(escape(pipeline)) – imagepipe report</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:2rem;background:#fafafa}
            main{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:1rem}
            figure{margin:0;background:#fff;border:3px solid #ccc;border-radius:8px;padding:.5rem}
            figure.ok{border-color:#3a3}figure.bad{border-color:#c33}
            img{width:100%;height:180px;object-fit:contain;background:#eee}
            .state{font-size:.8rem;text-transform:uppercase}.sim{background:#fc0;padding:0 .3rem;font-size:.75rem}
            figcaption{font-size:.85rem}ul{margin:.3rem 0;padding-left:1.1rem;color:#a22}
            </style></head><body>
            <h1>\(escape(pipeline))</h1>
            <p>\(items.filter { $0.state == "done" }.count) done, \(items.filter { $0.state != "done" }.count) not done, \
            \(items.reduce(0) { $0 + ($1.credits ?? 0) }) credits.</p>
            <main>
            \(cards)
            </main></body></html>
            """
    }
}
