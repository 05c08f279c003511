import ImageCore

/// What to do with a reference above the byte or pixel limit.
public enum OversizePolicy: String, Sendable, CaseIterable, Codable {
    /// The item fails, with the size and the limit.
    case fail
    /// The item is passed over quietly (reported as skipped).
    case skip
    /// A smaller copy is made in `.work/` and sent instead (the original is never touched).
    case shrink
}

/// `check`: each reference is probed by content (never by name) and held to the formats and limits
/// here before anything is spent.
public struct CheckStep: PipelineStep {
    public var formats: [ImageFormat] = [.jpeg, .png, .webp]
    public var maxBytes = ImageLimits.referenceBytes
    public var maxPixels = ImageLimits.defaultPixels
    public var oversize: OversizePolicy = .fail

    public init() {}

    public static let keyword = "check"
    public static let summary = "Probes each reference by content and holds it to formats and limits before anything is spent."
    public static let example = "check formats jpeg,png max-bytes 20000000 oversize shrink"
    public static let defaults = CheckStep()
    public static var options: [StepOption<CheckStep>] {
        [
            StepOption("formats", \.formats, .formats, help: "Formats accepted, by content."),
            StepOption("max-bytes", \.maxBytes, .integer(), shapesKey: true, help: "Largest reference file, in bytes."),
            StepOption("max-pixels", \.maxPixels, .integer(), shapesKey: true, help: "Largest width × height of a reference."),
            StepOption("oversize", \.oversize, .choice, shapesKey: true, help: "What to do with a reference over a limit."),
        ]
    }
}

extension CheckStep: ItemStage {
    var keyword: String { Self.keyword }

    func plan(_ item: inout ItemContext, in run: RunContext) throws(ItemStop) {
        try check(&item, in: run)
    }

    func run(_ item: inout ItemContext, in run: RunContext) async throws(ItemStop) {
        try check(&item, in: run)
    }

    /// Probes the reference (its header only) and holds it to the formats and limits; an oversize one is
    /// failed, skipped or recorded for shrinking, as the policy says.
    private func check(_ item: inout ItemContext, in run: RunContext) throws(ItemStop) {
        guard let input = item.item.input, item.needsReference else { return }
        let info: ImageInfo
        do {
            info = try ImageProbe.probe(path: input, limits: ImageLimits(maxBytes: nil, maxPixels: nil))
        } catch {
            try item.stop(.failed, step: Self.keyword, in: run, ItemProblem(.unreadable, subject: input, reason: error.reason))
        }
        if !formats.contains(info.format) {
            try item.stop(.failed, step: Self.keyword, in: run, ItemProblem(.format, subject: input,
                reason: "\(info.format.displayName) is not accepted here (check formats \(formats.map(\.rawValue).joined(separator: ",")))"))
        }
        if info.bytes > maxBytes || info.pixelCount > maxPixels {
            let what = info.bytes > maxBytes ? "the file is \(info.bytes) bytes; the limit is \(maxBytes)"
                : "\(info.storedWidth)×\(info.storedHeight) is \(info.pixelCount) pixels; the limit is \(maxPixels)"
            switch oversize {
            case .fail:
                try item.stop(.failed, step: Self.keyword, in: run, ItemProblem(.oversize, subject: input, reason: what + " (check oversize shrink makes a smaller copy)"))
            case .skip:
                try item.stop(.skipped, step: Self.keyword, in: run, ItemProblem(.oversize, subject: input, reason: what))
            case .shrink:
                item.transforms.append(.shrink(maxBytes: maxBytes, maxPixels: maxPixels))
            }
        }
        item.reference = info
    }
}

extension Error {
    /// The reason part of an error (its subject is named separately), or the whole description.
    var reason: String { (self as? any SubjectError)?.reason ?? "\(self)" }
}
