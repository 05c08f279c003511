import Crypto
import Foundation
import ImageCore
import VicSee

/// One thing a pipeline works on: a reference image, or a named text-to-image item.
public struct PipelineItem: Sendable {
    public var name: String
    public var input: String?
}

/// What `plan` finds for one item, before any network or spending.
public struct PlanItem: Sendable {
    public var name: String
    public var input: String?
    public var ratio: String?
    /// How far the reference is from the chosen ratio (0.04 = 4 %).
    public var distortion: Double?
    public var tier: ResolutionTier?
    public var credits: Int
    public var problems: [String]
}

public struct Plan: Sendable {
    public var items: [PlanItem]
    public var totalCredits: Int
    public var dollars: Double
}

public struct RunOptions: Sendable {
    public var maxCredits: Int?
    public var resubmitUnknown = false
    public var crashAfterWrites: Int?
    public init() {}
}

/// One item's outcome, as the report shows it.
public struct ItemReport: Sendable, Codable {
    public var name: String
    public var input: String?
    /// done, failed, skipped, unknown (a submit whose outcome is not known) or budget (not sent: --max-credits).
    public var state: String
    public var ratio: String?
    public var distortion: Double?
    public var taskID: String?
    public var credits: Int?
    public var output: String?
    public var thumbnail: String?
    public var verified: Bool?
    public var problems: [String]
    public var simulated: Bool
}

public struct RunSummary: Sendable {
    public var items: [ItemReport]
    public var creditsSpent: Int
    public var reportPath: String
    public var htmlPath: String
}

/// Runs a pipeline: check → aspect → publish → generate → verify → thumbnail, item by item, with a
/// journal so that a killed run resumes without paying again and a repeated run does nothing.
public final class PipelineRunner: Sendable {
    public let spec: PipelineSpec
    public let catalogue: ModelCatalogue

    public init(spec: PipelineSpec, catalogue: ModelCatalogue) {
        self.spec = spec
        self.catalogue = catalogue
    }

    public var model: ModelSpec? { spec.generate.flatMap { catalogue.model($0.model) } }

    public func items() -> (items: [PipelineItem], problems: [String]) {
        if !spec.items.isEmpty { return (spec.items.map { PipelineItem(name: $0, input: nil) }, []) }
        var items: [PipelineItem] = []
        var problems: [String] = []
        var used = Set<String>()
        for (pattern, expansion) in zip(spec.inputs, InputFiles.expand(spec.inputs)) {
            if let problem = expansion.problem { problems.append("\(pattern): \(problem)") }
            for file in expansion.files {
                var name = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
                var counter = 2
                while used.contains(name) { name = name + "-\(counter)"; counter += 1 }
                used.insert(name)
                items.append(PipelineItem(name: name, input: file))
            }
        }
        return (items, problems)
    }

    // MARK: Plan

    public func plan() -> Plan {
        let (items, _) = items()
        var planned: [PlanItem] = []
        for item in items {
            var entry = PlanItem(name: item.name, input: item.input, tier: spec.generate?.resolution, credits: 0, problems: [])
            if let input = item.input {
                switch checked(input) {
                case .failure(let problem): entry.problems.append(problem.message)
                case .success(let info):
                    if let choice = chooseRatio(for: info) { (entry.ratio, entry.distortion) = (choice.ratio, choice.distortion) }
                }
            } else if let generate = spec.generate {
                entry.ratio = generate.aspect == .inferred ? "1:1" : generate.aspect.description
            }
            if let generate = spec.generate, let model, entry.problems.isEmpty {
                let aspect = AspectChoice(entry.ratio ?? "auto") ?? .auto
                if !model.resolutions(for: aspect).contains(generate.resolution) {
                    let reason = model.constraints.first { $0.aspectRatio == aspect.description }?.reason ?? "not allowed"
                    entry.problems.append("\(reason): \(aspect) at \(generate.resolution.rawValue) would be refused")
                } else {
                    entry.credits = model.credits(for: generate.resolution) ?? 0
                }
            }
            planned.append(entry)
        }
        let total = planned.reduce(0) { $0 + $1.credits }
        return Plan(items: planned, totalCredits: total, dollars: Double(total) * (model?.dollarsPerCredit ?? 0))
    }

    /// The file's header facts when it passes the check step (or plain probing without one).
    func checked(_ path: String) -> Result<ImageInfo, ItemProblem> {
        let check = spec.check ?? CheckStep()
        let info: ImageInfo
        do {
            info = try ImageProbe.probe(path: path, limits: ImageLimits(maxBytes: nil, maxPixels: nil))
        } catch {
            return .failure(ItemProblem(error.reason))
        }
        if !check.formats.contains(info.format) {
            return .failure(ItemProblem("\(info.format.displayName) is not allowed here (check formats \(check.formats.map(\.rawValue).joined(separator: ",")))"))
        }
        if (info.bytes > check.maxBytes || info.pixelCount > check.maxPixels) && check.oversize != .shrink {
            let what = info.bytes > check.maxBytes ? "\(info.bytes) bytes (limit \(check.maxBytes))" : "\(info.pixelCount) pixels (limit \(check.maxPixels))"
            return .failure(ItemProblem("oversize: \(what)", skipped: check.oversize == .skip))
        }
        return .success(info)
    }

    /// The ratio to ask for, and how far the upright reference is from it.
    func chooseRatio(for info: ImageInfo) -> (ratio: String, distortion: Double)? {
        guard let generate = spec.generate, let model else {
            let common = ["1:1", "4:3", "3:4", "3:2", "2:3", "16:9", "9:16", "5:4", "4:5", "21:9"].compactMap(AspectRatio.init)
            return AspectRatio.nearest(toWidth: info.width, height: info.height, among: common).map { ($0.ratio.description, $0.distortion) }
        }
        switch generate.aspect {
        case .auto: return ("auto", 0)
        case .fixed(let ratio):
            return (ratio.description, ratio.distance(to: Double(info.width) / Double(info.height)).magnitude)
        case .inferred:
            return AspectRatio.nearest(toWidth: info.width, height: info.height, among: model.fixedRatios)
                .map { ($0.ratio.description, $0.distortion) }
        }
    }

    /// The journal key: the input's bytes and the canonical text of every step that shapes the output.
    func key(for item: PipelineItem) -> String {
        var hasher = SHA256()
        if let input = item.input, let data = FileManager.default.contents(atPath: input) {
            hasher.update(data: data)
        } else {
            hasher.update(data: Data(item.name.utf8))
        }
        let steps = [spec.check?.canonical, spec.aspect?.canonical, spec.generate?.canonical].compactMap { $0 }
        hasher.update(data: Data(steps.joined(separator: "\n").utf8))
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}

/// Why an item cannot go on, in words; `skipped` when policy says to pass over it quietly.
struct ItemProblem: Error {
    var message: String
    var skipped = false
    init(_ message: String, skipped: Bool = false) {
        self.message = message
        self.skipped = skipped
    }
}

extension Error {
    /// The reason part of a file error, or the whole description.
    var reason: String { (self as? FileError)?.reason ?? "\(self)" }
}
