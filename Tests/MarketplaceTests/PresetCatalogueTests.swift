import Foundation
import Testing

@testable import Marketplace

/// The bundled presets load, every rule names its source and date, and a user's file overrides them.
@Suite struct PresetCatalogueTests {
    @Test func bundledPresetsHaveSourcesAndDates() throws {
        let catalogue = try PresetCatalogue.bundled()
        for name in ["amazon-main", "amazon-additional", "shopify", "google-merchant"] {
            let preset = try catalogue.preset(name)
            #expect(!preset.rules.isEmpty)
            for rule in preset.rules {
                #expect(rule.source.checked.count == 10, "\(name).\(rule.id) has no check date")
                #expect(rule.source.evidence == .assumed || rule.source.page.hasPrefix("https://"),
                        "\(name).\(rule.id) claims evidence without a page")
            }
        }
    }

    @Test func unknownPresetSuggestsTheNearest() throws {
        let catalogue = try PresetCatalogue.bundled()
        #expect(throws: PresetError.unknownPreset(name: "amazon-mian", known: catalogue.presets.map(\.name), suggestion: "amazon-main")) {
            try catalogue.preset("amazon-mian")
        }
    }

    @Test func overrideFileReplacesAndAdds() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("presets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("mine.json").path
        try Data("""
            {"presets": [
              {"name": "shopify", "title": "ours", "rules": [
                {"id": "bytes", "kind": "max-bytes", "value": 5000000, "severity": "required",
                 "source": "", "checked": "2026-11-27", "evidence": "assumed"}]},
              {"name": "etsy", "title": "Etsy", "rules": [
                {"id": "long-side", "kind": "long-side", "min": 2000, "severity": "recommended",
                 "source": "", "checked": "2026-11-27", "evidence": "assumed"}]}
            ]}
            """.utf8).write(to: URL(fileURLWithPath: file))
        let catalogue = try PresetCatalogue.load(overridePath: file, environment: [:])
        #expect(try catalogue.preset("shopify").rules.map(\.check) == [.maxBytes(5_000_000)])
        #expect(try catalogue.preset("etsy").rules.first?.check == .longSide(min: 2000, max: nil))
        #expect(try catalogue.preset("amazon-main").rules.count == 5)
        let fromEnvironment = try PresetCatalogue.load(environment: [PresetCatalogue.environmentVariable: file])
        #expect(try fromEnvironment.preset("etsy").title == "Etsy")
    }

    @Test func badOverrideNamesTheFileAndPlace() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).json").path
        try Data(#"{"presets": [{"name": "x", "title": "x", "rules": [{"id": "a", "kind": "sparkle", "severity": "required", "source": "", "checked": "2026-11-27", "evidence": "assumed"}]}]}"#.utf8)
            .write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        do {
            _ = try PresetCatalogue.load(overridePath: file, environment: [:])
            Issue.record("a rule of unknown kind was accepted")
        } catch {
            #expect(error.description.hasPrefix(file + ": not a valid presets file: unknown rule kind 'sparkle'"))
        }
    }
}
