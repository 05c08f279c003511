import Crypto
import Foundation
import ImageCore
import Marketplace
import Simulator

/// `fit`: a copy of each accepted output, made to pass a marketplace preset (`fit preset amazon-main`)
/// and/or changed by mechanical fixes given one by one, written to a folder under the output folder
/// (`OUT/fit/<stem>.<ext>`). The output paid for is never touched. It runs after verify (only outputs
/// that passed are fitted) and before verify's preset check, which judges the fitted copy. Its options
/// do not shape the item: a changed one remakes the copy, never the generation.
public struct FitStep: PipelineStep {
    /// Apply every mechanical fix this preset asks for (`MarketplaceFix`).
    public var preset: String?
    public var flatten = false
    public var square = false
    /// Re-frame so the product spans this share of the frame (0.85 = 85 %).
    public var fill: Double?
    public var longSide: Int?
    public var srgb = false
    /// The format written; nil: the preset's choice (the output's format when accepted, else JPEG), or
    /// the output's format without a preset.
    public var format: ImageFormat?
    public var quality = 90
    /// Folder under the output folder.
    public var directory = "fit"

    public init() {}

    public static let keyword = "fit"
    public static let summary = "A copy of each verified output (the upscaled one once there is one) made to pass a marketplace preset and/or changed by the fixes given, in a folder under the output folder; the output itself is never changed."
    public static let example = "fit preset amazon-main format jpeg"
    public static let defaults = FitStep()
    public static var options: [StepOption<FitStep>] {
        [
            StepOption("preset", \.preset, .text("NAME"), help: "Apply every mechanical fix this marketplace preset asks for."),
            .flag("flatten", \.flatten, help: "Composite transparency onto white."),
            .flag("square", \.square, help: "Pad to a square on white (with fill, frame it square)."),
            StepOption("fill", \.fill, .share, help: "Crop the margins and re-frame on white so the product spans this share of the frame."),
            StepOption("long-side", \.longSide, .integer(), help: "Scale so the longer side is N pixels."),
            .flag("srgb", \.srgb, help: "Convert an embedded colour profile (or CMYK) to sRGB."),
            StepOption("format", \.format, .format, help: "Format to write (default: the preset's choice, else the output's)."),
            StepOption("quality", \.quality, .integer(min: 1, max: 100), help: "JPEG and WebP quality (lowered to meet a preset's byte limit)."),
            StepOption("dir", \.directory, .text("DIR"), help: "Folder under the output folder."),
        ]
    }

    /// The fixes given one by one.
    public var adjustments: MarketplaceFix.Adjustments {
        MarketplaceFix.Adjustments(srgb: srgb, flatten: flatten, fill: fill, square: square, longSide: longSide)
    }

    public func problems() -> [OptionProblem] {
        var problems: [OptionProblem] = []
        if preset == nil && adjustments == MarketplaceFix.Adjustments() && format == nil {
            problems.append(OptionProblem(option: nil, "'fit' needs a preset or at least one fix: preset NAME, flatten, square, fill, long-side, srgb or format"))
        }
        return problems + [OptionProblem.subfolder(directory, examples: "fit or marketplace/amazon")].compactMap { $0 }
    }
}

extension FitStep: ItemStage {
    var keyword: String { Self.keyword }

    /// Makes the fitted copy of an accepted item's final output — the upscaled one once the upscale is
    /// done, the larger picture paid for; else the output; without generate, the input — unless the one
    /// on disk was made from the same file with the same settings and preset rules. A copy that cannot be
    /// made rejects the item (with a `fit` problem) until a later run makes it.
    func run(_ item: inout ItemContext, in run: RunContext) async throws(ItemStop) {
        let final = item.record.finalOutput
        guard Acceptance.isAccepted(item.record), let source = final?.path ?? item.item.input else {
            return try withdrawCopy(&item, in: run)
        }
        let preset = self.preset.flatMap { run.presets[$0] }
        let folder = run.outputDirectory + "/" + directory
        let path: String
        do {
            let found = try final?.format.flatMap(ImageFormat.init(rawValue:))
                ?? ImageProbe.probe(path: source, limits: ImageLimits(maxBytes: nil, maxPixels: nil)).format
            let format = try MarketplaceFix.outputFormat(for: preset, input: found, requested: format, path: source)
            // Named after the output, upscaled or not, so that the copy keeps one name (`fit/mug.jpg`).
            path = folder + "/" + item.derivedStem(of: item.record.output ?? source, in: run) + "." + format.fileExtension
        } catch {
            return try fail(&item, ItemProblem(.fit, subject: source, reason: error.reason), in: run)
        }
        let key = line + " rules " + Self.fingerprint(preset) + " of " + (final?.checksum ?? item.key)
        if item.record.fitKey == key, item.record.fitted == path, OutputFile.fingerprint(path) != nil { return }
        guard AtomicFile.makeDirectories(folder) else {
            return try fail(&item, ItemProblem(.fit, subject: folder, reason: "cannot create the folder for fitted copies"), in: run)
        }
        do {
            // A copy of a simulated output keeps the simulator's label (PNG and JPEG carry it).
            let simulated = item.record.simulated || SimulatorMark.isPresent(inFileAt: source)
            _ = try MarketplaceFix.apply(preset, adjustments: adjustments, input: source, output: path, quality: quality,
                                         comment: simulated ? SimulatorMark.text : nil)
            // The AI-provenance mark is carried over from the output; an output that lacks it gets it here.
            if run.spec.generate != nil {
                try Provenance.mark(fileAt: path, as: item.item.input == nil ? .trainedAlgorithmicMedia : .compositeWithTrainedAlgorithmicMedia)
            }
        } catch {
            return try fail(&item, ItemProblem(.fit, subject: source, reason: error.reason), in: run)
        }
        removeEarlierCopy(of: item.record, keeping: path)
        try Acceptance.settle(&item, step: Self.keyword, in: run) { record in
            record.fitted = path
            record.fitKey = key
            record.problems.removeAll { $0.kind == .fit }
        }
    }

    /// Records why the copy could not be made; the item is rejected until it is, and an earlier copy
    /// (made with other settings) goes, so that the fit folder holds no copy that does not stand.
    private func fail(_ item: inout ItemContext, _ problem: ItemProblem, in run: RunContext) throws(ItemStop) {
        removeEarlierCopy(of: item.record, keeping: nil)
        try item.move(to: .rejected, step: Self.keyword, in: run) { record in
            record.fitted = nil
            record.fitKey = nil
            record.problems.removeAll { $0.kind == .fit }
            record.problems.append(problem)
        }
    }

    /// An output that verify now rejects (a verify setting changed, say) keeps no fitted copy, so that
    /// the fit folder never offers a copy of an output that does not stand.
    private func withdrawCopy(_ item: inout ItemContext, in run: RunContext) throws(ItemStop) {
        guard item.record.fitted != nil, item.record.state == .rejected, item.record.verified == false else { return }
        removeEarlierCopy(of: item.record, keeping: nil)
        try item.move(to: .rejected, step: Self.keyword, in: run) { record in
            record.fitted = nil
            record.fitKey = nil
        }
    }

    /// Deletes the copy the record names when it is not `kept` (settings that changed its format or folder).
    private func removeEarlierCopy(of record: ItemRecord, keeping kept: String?) {
        guard let earlier = record.fitted, earlier != kept else { return }
        unlink(earlier)
    }

    /// A short digest of a preset's rules, so that a changed presets file remakes the copies it shapes.
    static func fingerprint(_ preset: Preset?) -> String {
        guard let preset else { return "none" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let bytes = (try? encoder.encode(preset)).map(Array.init) ?? Array(preset.name.utf8)
        return preset.name + "@" + String(hex(SHA256.hash(data: bytes)).prefix(16))
    }
}
