import ImageCore
import VicSee

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

    /// The reference's format and upright size, and whether a smaller copy will be sent.
    func note(for item: ItemContext) -> String? {
        guard let info = item.reference else { return nil }
        let shrink = item.transforms.contains { if case .shrink = $0 { true } else { false } }
        return "\(info.format.displayName) \(info.width)×\(info.height)" + (shrink ? ", a smaller copy will be sent" : "")
    }

    /// Probes the reference (its header only) and holds it to the formats, to this step's limits and to
    /// the service's for the model (the catalogue's: bytes, megapixels, width ÷ height), as it will be
    /// sent — after the crop or pad the aspect step records, which can bring a panorama into the ratio
    /// range (or, padded, over the megapixels). An oversize one is failed, skipped or recorded for
    /// shrinking, as the policy says; a ratio out of range is failed with the aspect mode that fixes it.
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
        let service = run.spec.generate != nil ? run.model?.references : nil
        let aspect = run.spec.aspect ?? AspectStep()
        let (choice, distortion) = AspectStep.choice(for: info, in: run)
        let reframe = run.spec.generate != nil ? aspect.transform(to: choice, distortion: distortion) : nil
        let sent = ReferencePreparation.size(of: PixelSize(width: info.width, height: info.height), after: reframe)
        if let range = service?.ratio, !range.contains(sent.ratio) {
            let violation = ReferenceLimitViolation.ratio(width: sent.width, height: sent.height, allowed: range)
            try item.stop(.failed, step: Self.keyword, in: run, ItemProblem(.ratio, subject: input,
                reason: "\(violation): \(Self.ratioFix(for: sent, within: range, in: run))"))
        }
        let maxBytes = min(self.maxBytes, service?.maxBytes ?? .max)
        let maxPixels = min(self.maxPixels, service?.maxPixels ?? .max)
        var shrink = oversize == .shrink && reframe != nil  // a derived copy is held to the limits too
        if info.bytes > maxBytes || sent.pixels > maxPixels {
            let whose = { (limit: Int, own: Int) in limit < own ? " (the service's)" : "" }
            let padded = sent.pixels > info.pixelCount ? " once padded" : ""
            let what = info.bytes > maxBytes ? "the file is \(info.bytes) bytes; the limit is \(maxBytes)\(whose(maxBytes, self.maxBytes))"
                : "\(sent) is \(sent.pixels) pixels\(padded); the limit is \(maxPixels)\(whose(maxPixels, self.maxPixels))"
            switch oversize {
            case .fail:
                try item.stop(.failed, step: Self.keyword, in: run, ItemProblem(.oversize, subject: input, reason: what + " (check oversize shrink makes a smaller copy)"))
            case .skip:
                try item.stop(.skipped, step: Self.keyword, in: run, ItemProblem(.oversize, subject: input, reason: what))
            case .shrink:
                shrink = true
            }
        }
        if shrink { item.transforms.append(.shrink(maxBytes: maxBytes, maxPixels: maxPixels)) }
        item.reference = info
    }

    /// What brings a reference of `size` inside `range`: the aspect mode (crop or pad) to the nearest
    /// ratio the model offers within the range.
    static func ratioFix(for size: PixelSize, within range: RatioRange, in run: RunContext) -> String {
        let offered = (run.model?.fixedRatios ?? AspectStep.commonRatios).filter { range.contains($0.value) }
        let nearest = AspectRatio.nearest(toWidth: size.width, height: size.height, among: offered)?.ratio
        let target = nearest.map { " to \($0)" } ?? ""
        if case .auto? = run.spec.generate?.aspect {
            return "'aspect crop' or 'aspect pad' with an inferred or fixed ratio (generate aspect inferred) brings it\(target)"
        }
        return "'aspect crop' or 'aspect pad' brings it\(target)"
    }
}

extension Error {
    /// The reason part of an error (its subject is named separately), or the whole description.
    var reason: String { (self as? any SubjectError)?.reason ?? "\(self)" }
}
