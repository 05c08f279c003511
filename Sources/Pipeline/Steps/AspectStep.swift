import Foundation
import ImageCore
import VicSee

/// What the aspect step does with the reference once the ratio is chosen.
public enum AspectMode: String, Sendable, CaseIterable, Codable {
    /// Infer and report the nearest ratio; send the reference as it is.
    case report
    /// Crop the reference (centred) to exactly the chosen ratio.
    case crop
    /// Pad the reference to exactly the chosen ratio.
    case pad
}

/// `aspect`: each reference's upright ratio (EXIF orientation applied) is matched to the nearest ratio
/// the model supports, by distance in log ratio; `crop` and `pad` send a derived copy of exactly that
/// ratio (written in `.work/`; the original is never touched).
public struct AspectStep: PipelineStep {
    public var mode: AspectMode = .report

    public init(mode: AspectMode = .report) { self.mode = mode }

    public static let keyword = "aspect"
    public static let summary = "Matches each reference to the nearest ratio the model supports; crop or pad it to that ratio."
    public static let example = "aspect crop"
    public static let defaults = AspectStep()
    public static var options: [StepOption<AspectStep>] {
        [.positional("mode", \.mode, .choice, shapesKey: true, help: "report the ratio, or crop or pad the reference to it.")]
    }
}

extension AspectStep: ItemStage {
    var keyword: String { Self.keyword }

    func plan(_ item: inout ItemContext, in run: RunContext) throws(ItemStop) {
        choose(&item, in: run)
    }

    func run(_ item: inout ItemContext, in run: RunContext) async throws(ItemStop) {
        choose(&item, in: run)
    }

    /// The ratio chosen, how far the reference is from it, and the crop or pad recorded.
    func note(for item: ItemContext) -> String? {
        guard let aspect = item.aspect else { return nil }
        var note = "ratio \(aspect)"
        if let distortion = item.record.distortion, distortion > 0 { note += String(format: ", %.1f%% off", distortion * 100) }
        for transform in item.transforms {
            switch transform {
            case .crop: note += ", cropped to it"
            case .pad: note += ", padded to it"
            case .shrink: break
            }
        }
        return note
    }

    /// Ratios reported when no model narrows the choice.
    static let commonRatios = ["1:1", "4:3", "3:4", "3:2", "2:3", "16:9", "9:16", "5:4", "4:5", "21:9"].compactMap(AspectRatio.init)

    /// Chooses the ratio to ask for and records the crop or pad that brings the reference to it.
    private func choose(_ item: inout ItemContext, in run: RunContext) {
        if !item.needsReference, let ratio = item.record.ratio {
            item.aspect = AspectChoice(ratio)
            return
        }
        let info = item.reference
        let (choice, distortion) = Self.choice(for: info, in: run)
        item.aspect = choice
        item.update { record in
            record.ratio = choice?.description
            record.distortion = distortion
        }
        if let transform = transform(to: choice, distortion: distortion), info != nil { item.transforms.append(transform) }
    }

    /// The ratio to ask for a reference with header `info` (nil: none), and how far the reference is from it.
    static func choice(for info: ImageInfo?, in run: RunContext) -> (AspectChoice?, Double?) {
        switch (run.spec.generate?.aspect, run.model) {
        case (.auto?, _):
            return (.auto, nil)
        case (.fixed(let ratio)?, _):
            return (.ratio(ratio), info.map { exp(ratio.distance(to: Double($0.width) / Double($0.height))) - 1 })
        case (.inferred?, let model?):
            if let info, let nearest = AspectRatio.nearest(toWidth: info.width, height: info.height, among: model.fixedRatios) {
                return (.ratio(nearest.ratio), nearest.distortion)
            }
            return (info == nil ? .ratio(AspectRatio(width: 1, height: 1)) : nil, nil)
        default:
            if let info, let nearest = AspectRatio.nearest(toWidth: info.width, height: info.height, among: commonRatios) {
                return (.ratio(nearest.ratio), nearest.distortion)
            }
            return (nil, nil)
        }
    }

    /// The crop or pad this mode records to bring a reference `distortion` away from `choice` to it.
    func transform(to choice: AspectChoice?, distortion: Double?) -> ReferenceTransform? {
        guard case .ratio(let ratio)? = choice, distortion ?? 0 > 0 else { return nil }
        switch mode {
        case .report: return nil
        case .crop: return .crop(ratio)
        case .pad: return .pad(ratio)
        }
    }
}
