import Foundation
import Testing
import VicSee
@testable import Pipeline

/// report.json's fields and their documentation, the journal's new columns, and the sheet's handling of
/// what the report holds; no browser needed (SheetTests opens the sheets in Chromium).
@Suite struct ReportTests {
    /// The rows of the README table between `<!-- NAME:begin -->` and `<!-- NAME:end -->`: the backticked
    /// words of each row's first cell.
    static func readmeTable(_ name: String) throws -> Set<String> {
        let readme = try String(contentsOfFile: ParserTests.repository + "/README.md", encoding: .utf8)
        let start = try #require(readme.range(of: "<!-- \(name):begin -->")), end = try #require(readme.range(of: "<!-- \(name):end -->"))
        var words = Set<String>()
        for row in readme[start.upperBound..<end.lowerBound].split(separator: "\n") where row.hasPrefix("| `") {
            let cell = row.dropFirst(2).prefix { $0 != "|" }
            for part in cell.split(separator: "`") where !part.trimmingCharacters(in: .whitespaces).isEmpty && part.trimmingCharacters(in: .whitespaces) != "," {
                words.insert(String(part))
            }
        }
        return words
    }

    static func fields<T>(of value: T, prefix: String = "") -> Set<String> {
        Set(Mirror(reflecting: value).children.compactMap { $0.label.map { prefix + $0 } })
    }

    /// Every field report.json can hold is described in the README, and nothing else is.
    @Test func theReadmeDescribesEveryReportField() throws {
        let report = ReportWriter.make([], pipeline: "p", backend: nil, pipelineFile: nil, at: Date())
        let item = ItemReport(ItemRecord(key: "k", name: "n", input: nil), model: nil)
        let problem = ItemProblem(.budget, subject: "s", reason: "r")
        let expected = Self.fields(of: report).union(Self.fields(of: item, prefix: "items[]."))
            .union(Self.fields(of: problem, prefix: "items[].problems[]."))
        #expect(try Self.readmeTable("report") == expected)
    }

    /// Every problem kind is in one README table: the run's here, verify's in "Output sizes".
    @Test func theReadmeListsEveryProblemKind() throws {
        let run = Set(ItemProblem.Kind.allCases.map(\.rawValue)).subtracting(VerifyProblem.kinds)
        #expect(try Self.readmeTable("problems") == run)
    }

    /// The size paid for and the reference's thumbnail survive a reopened journal.
    @Test func theJournalKeepsTheSizePaidForAndTheReferenceThumbnail() throws {
        let path = temporaryDirectory() + "/journal.sqlite"
        var record = ItemRecord(key: "k", name: "mug", input: "/refs/mug.jpg")
        record.expected = PixelSize(width: 1536, height: 1024)
        record.confidence = .reported
        record.referenceThumbnail = "/out/thumbs/references/mug.webp"
        record.referenceThumbnailKey = "thumbnail size 256"
        try Journal(path: path).insert([record])
        let reopened = try #require(try Journal(path: path).record("k"))
        #expect(reopened.expected == record.expected && reopened.confidence == .reported)
        #expect(reopened.referenceThumbnail == record.referenceThumbnail && reopened.referenceThumbnailKey == record.referenceThumbnailKey)
    }

    /// Before any verdict (a budget-skipped item, a pipeline without verify), the size paid for is the
    /// catalogue's, with its confidence.
    @Test func theSizePaidForComesFromTheCatalogueBeforeAnyVerdict() throws {
        let model = try #require(catalogue.model("nano-banana-pro-text-to-image"))
        var record = ItemRecord(key: "k", name: "mug", input: nil)
        (record.model, record.tier, record.ratio) = (model.id, "2K", "16:9")
        let item = ItemReport(record, model: model)
        let ratio = try #require(AspectRatio("16:9"))
        let listed = try #require(model.outputSize(aspect: .ratio(ratio), tier: .twoK))
        #expect(item.expected == listed.size && item.confidence?.rawValue == listed.confidence.rawValue)
        record.expected = PixelSize(width: 1, height: 1)
        record.confidence = .observed
        #expect(ItemReport(record, model: model).expected == PixelSize(width: 1, height: 1))
        #expect(ItemReport(record, model: model).confidence == .observed)
    }

    /// What users named things is text on the sheet, never markup; rule verdicts of an unknown shape are
    /// said to be there rather than dropped.
    @Test func namesAreTextAndUnreadableRuleVerdictsAreSaidSo() throws {
        var record = ItemRecord(key: "k", name: "<script>alert(1)</script> & \"x\"", input: nil)
        record.prompt = "<img src=x onerror=alert(1)>"
        record.problems = [ItemProblem(.refused, subject: "<b>", reason: "</article>")]
        let report = ReportWriter.make([ItemReport(record, model: nil)], pipeline: "<p>", backend: nil, pipelineFile: nil, at: Date())
        var object = try #require(try JSONSerialization.jsonObject(with: try ReportWriter.encode(report)) as? [String: Any])
        var items = try #require(object["items"] as? [[String: Any]])
        items[0]["presets"] = [["preset": "amazon-main", "verdicts": [["outcome": "fail"]]]]
        object["items"] = items
        let sheet = ReviewSheet(report: report, json: try JSONSerialization.data(withJSONObject: object), directory: "/out")
        let html = sheet.html
        for markup in ["<script>alert", "<img src=x", "<b>", "</article>\n</article>", "<p>"] {
            #expect(!html.contains(markup), "\(markup) reached the page as markup")
        }
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;"))
        guard case .unreadable(let why) = sheet.rules.first else { Issue.record("\(sheet.rules)"); return }
        #expect(why.contains("no 'rule'") && why.contains("verdicts[0]"), "\(why)")
        #expect(html.contains("report.json has rule verdicts in a shape this sheet does not read"))
    }

    /// Links inside the sheet's folder are relative and escaped; others are file URLs.
    @Test func linksMoveWithTheFolder() {
        let report = ReportWriter.make([], pipeline: "p", backend: nil, pipelineFile: nil, at: Date())
        let sheet = ReviewSheet(report: report, json: Data(), directory: "/out/x")
        #expect(sheet.link("/out/x/thumbs/a b#1.png") == "thumbs/a%20b%231.png")
        #expect(sheet.link("/out/x/c:d.png") == "c%3Ad.png")
        #expect(sheet.link("/refs/mug.jpg") == "file:///refs/mug.jpg")
    }
}
