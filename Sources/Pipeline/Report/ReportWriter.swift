import Foundation
import ImageCore

/// `report.json` (versioned with `schema`) and `index.html`, the contact sheet made from the same data.
enum ReportWriter {
    /// The version of report.json's layout; raised when a field changes meaning or goes away.
    static let schema = 2

    struct Report: Encodable {
        var schema: Int
        var pipeline: String
        var generatedAt: String
        /// Items per state.
        var counts: [String: Int]
        var credits: Int
        var price: Double
        var simulated: Bool
        var items: [ItemReport]
    }

    static func write(_ items: [ItemReport], spec: PipelineSpec, directory: String) throws -> (json: String, html: String) {
        var counts: [String: Int] = [:]
        for item in items { counts[item.state.rawValue, default: 0] += 1 }
        let report = Report(schema: schema, pipeline: spec.name, generatedAt: ISO8601DateFormatter().string(from: Date()), counts: counts,
                            credits: items.reduce(0) { $0 + ($1.credits ?? 0) }, price: items.reduce(0) { $0 + ($1.price ?? 0) },
                            simulated: items.contains { $0.simulated }, items: items)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let jsonPath = directory + "/report.json"
        try AtomicFile.write(Array(try encoder.encode(report)), to: jsonPath)
        let htmlPath = directory + "/index.html"
        try AtomicFile.write(Array(ContactSheet.html(report, directory: directory).utf8), to: htmlPath)
        return (jsonPath, htmlPath)
    }
}
