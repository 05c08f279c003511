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

    /// Ratios reported when no model narrows the choice.
    static let commonRatios = ["1:1", "4:3", "3:4", "3:2", "2:3", "16:9", "9:16", "5:4", "4:5", "21:9"].compactMap(AspectRatio.init)

    /// Chooses the ratio to ask for and records the crop or pad that brings the reference to it.
    private func choose(_ item: inout ItemContext, in run: RunContext) {
        if !item.needsReference, let ratio = item.record.ratio {
            item.aspect = AspectChoice(ratio)
            return
        }
        var distortion: Double?
        var choice: AspectChoice?
        let info = item.reference
        switch (run.spec.generate?.aspect, run.model) {
        case (.auto?, _):
            choice = .auto
        case (.fixed(let ratio)?, _):
            choice = .ratio(ratio)
            distortion = info.map { exp(ratio.distance(to: Double($0.width) / Double($0.height))) - 1 }
        case (.inferred?, let model?):
            if let info, let nearest = AspectRatio.nearest(toWidth: info.width, height: info.height, among: model.fixedRatios) {
                (choice, distortion) = (.ratio(nearest.ratio), nearest.distortion)
            } else if info == nil {
                choice = .ratio(AspectRatio(width: 1, height: 1))
            }
        default:
            if let info, let nearest = AspectRatio.nearest(toWidth: info.width, height: info.height, among: Self.commonRatios) {
                (choice, distortion) = (.ratio(nearest.ratio), nearest.distortion)
            }
        }
        item.aspect = choice
        item.update { record in
            record.ratio = choice?.description
            record.distortion = distortion
        }
        if case .ratio(let ratio)? = choice, info != nil, distortion ?? 0 > 0 {
            switch mode {
            case .report: break
            case .crop: item.transforms.append(.crop(ratio))
            case .pad: item.transforms.append(.pad(ratio))
            }
        }
    }
}

import Foundation
