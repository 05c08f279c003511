import Foundation
import ImageCore

/// `report.json` (versioned with `schema`) and `index.html`, the review sheet made from the same data: the
/// sheet is rendered from the report as it was encoded, so it can show nothing report.json does not hold.
/// Every field is described in the README ("report.json, field by field").
enum ReportWriter {
    /// The version of report.json's layout; raised when a field changes meaning or goes away (new fields
    /// leave it as it is).
    static let schema = 2

    struct Report: Codable {
        var schema: Int
        var pipeline: String
        /// The file the pipeline was read from; absent for a pipeline built in Swift.
        var pipelineFile: String?
        var generatedAt: String
        /// This run's backend: `simulator` or the service's API root; absent when nothing is generated.
        var backend: String?
        /// Items per state.
        var counts: [String: Int]
        var credits: Int
        var price: Double
        /// True when any item's image came from a simulator.
        var simulated: Bool
        /// A shard's report only: which shard, and where its items stand in the whole batch.
        var shard: ShardReport?
        var items: [ItemReport]
    }

    static func write(_ items: [ItemReport], spec: PipelineSpec, directory: String, backend: String?,
                      pipelineFile: String?, shard: ShardReport? = nil) throws -> (json: String, html: String) {
        try write(make(items, pipeline: spec.name, backend: backend, pipelineFile: pipelineFile, shard: shard, at: Date()), directory: directory)
    }

    /// Writes `report` as report.json and its review sheet into `directory`, each atomically.
    static func write(_ report: Report, directory: String) throws -> (json: String, html: String) {
        let json = try encode(report)
        let jsonPath = directory + "/report.json"
        try AtomicFile.write(Array(json), to: jsonPath)
        let htmlPath = directory + "/index.html"
        try AtomicFile.write(Array(ReviewSheet(report: report, json: json, directory: directory).html.utf8), to: htmlPath)
        return (jsonPath, htmlPath)
    }

    static func make(_ items: [ItemReport], pipeline: String, backend: String?, pipelineFile: String?, shard: ShardReport? = nil,
                     at date: Date) -> Report {
        var counts: [String: Int] = [:]
        for item in items { counts[item.state.rawValue, default: 0] += 1 }
        return Report(schema: schema, pipeline: pipeline, pipelineFile: pipelineFile, generatedAt: ISO8601DateFormatter().string(from: date),
                      backend: backend, counts: counts, credits: items.reduce(0) { $0 + ($1.credits ?? 0) },
                      price: items.reduce(0) { $0 + ($1.price ?? 0) }, simulated: items.contains { $0.simulated }, shard: shard, items: items)
    }

    static func encode(_ report: Report) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(report)
    }
}
