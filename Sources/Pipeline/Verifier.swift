import Foundation
import ImageCore
import Simulator
import VicSee

/// What an output must be: the size paid for (a model, tier and ratio, judged by `SizeCheck`), whole at a
/// decode level, and not blank.
public struct VerifyExpectation: Sendable {
    public var model: ModelSpec
    public var resolution: ResolutionTier
    /// The ratio asked for; nil or `auto` accepts any ratio the model lists.
    public var aspect: AspectChoice?
    /// Relative tolerance of each edge (0.02 = 2 %).
    public var tolerance: Double
    public var allowBlank: Bool
    /// How strict the decode is. The strictest by default: a generated output has no excuse for any
    /// warning, and a warning can mean rows were filled in rather than decoded.
    public var failOn: FailOn
    /// Where observed sizes are read and passing real outputs recorded; nil for neither.
    public var observedSizes: ObservedSizeStore?
    /// Set by a caller that knows the file came from a simulated backend; files carrying the simulator's
    /// label are recognised whatever this says.
    public var simulated: Bool

    public init(model: ModelSpec, resolution: ResolutionTier, aspect: AspectChoice?, tolerance: Double = 0, allowBlank: Bool = false,
                failOn: FailOn = .warning, observedSizes: ObservedSizeStore? = nil, simulated: Bool = false) {
        self.model = model
        self.resolution = resolution
        self.aspect = aspect
        self.tolerance = tolerance
        self.allowBlank = allowBlank
        self.failOn = failOn
        self.observedSizes = observedSizes
        self.simulated = simulated
    }

    public var sizeCheck: SizeCheck { SizeCheck(model: model, tier: resolution, aspect: aspect, tolerance: tolerance) }
}

/// The verdict on one output file.
public struct VerifyResult: Sendable {
    public var path: String
    public var format: ImageFormat?
    public var width: Int?
    public var height: Int?
    /// Every finding, failures and notices; `ok` follows from their kinds.
    public var problems: [VerifyProblem]
    /// Set when the file was named as another format and has been renamed to its real extension.
    public var renamedTo: String?
    /// The size check's verdict: what the size was judged against (published, observed, reported, assumed).
    public var size: SizeVerdict?
    /// True when the file is the simulator's work.
    public var simulated = false

    public init(path: String) {
        self.path = path
        problems = []
    }

    /// True when no finding fails the file.
    public var ok: Bool { problems.allSatisfy { !$0.fails } }
}

/// Checks outputs as they come back: a whole image (a full decode, by default failing on any warning),
/// its real format (a JPEG served as .png is renamed and reported), its size against what was paid for
/// (`SizeCheck`: exact for published sizes, ratio and tier band otherwise, downgrades named), and not blank
/// (safety filters answer with a single-colour picture and a success status). A real output that passes
/// with a size the catalogue only reports or assumes is recorded in the observed sizes, so that later
/// verifies expect exactly that size; the simulator's outputs never are.
public enum Verifier {
    /// Verifies the file at `path`. `decoded` is the file already decoded at `expectation.failOn` (or its
    /// failure), so that an output decoded when it was downloaded is not decoded again.
    public static func verify(path: String, expectation: VerifyExpectation?, decoded: Result<DecodedImage, any Error>? = nil) -> VerifyResult {
        var result = VerifyResult(path: path)
        let image: DecodedImage
        do {
            image = try decoded?.get()
                ?? ImageDecoder.decode(path: path, options: DecodeOptions(failOn: expectation?.failOn ?? .warning, limits: ImageLimits()))
        } catch {
            result.problems.append(.undecodable(reason: (error as? FileError)?.reason ?? "\(error)"))
            return result
        }
        result.format = image.info.format
        result.width = image.pixels.width
        result.height = image.pixels.height
        var current = path
        let ext = (path as NSString).pathExtension
        if ImageFormat(fileExtension: ext) != image.info.format {
            let renamed = (path as NSString).deletingPathExtension + "." + image.info.format.fileExtension
            if rename(path, renamed) == 0 {
                result.renamedTo = renamed
                current = renamed
                result.problems.append(.renamed(namedAs: ext, format: image.info.format, renamedTo: renamed))
            }
        }
        result.simulated = (expectation?.simulated ?? false) || SimulatorMark.isPresent(inFileAt: current)
        if result.simulated { result.problems.append(.simulated) }
        guard let expectation else { return result }

        // Simulated outputs are judged by the catalogue alone (what the simulator draws) and never recorded.
        let store = result.simulated ? nil : expectation.observedSizes
        var observed: ObservedSizes?
        do {
            observed = try store?.load()
        } catch {
            result.problems.append(.notRecorded(store: error.path, reason: error.reason))
        }
        let received = PixelSize(width: image.pixels.width, height: image.pixels.height)
        let verdict = expectation.sizeCheck.judge(received, observed: observed)
        result.size = verdict
        if let problem = verdict.problem { result.problems.append(.size(problem)) }
        if !expectation.allowBlank, isBlank(image.pixels) { result.problems.append(.blank) }
        if result.ok, verdict.isObservation, let store, observed != nil {
            do {
                _ = try store.record(received, model: expectation.model.id, tier: expectation.resolution, aspect: verdict.aspect)
            } catch {
                result.problems.append(.notRecorded(store: error.path, reason: error.reason))
            }
        }
        return result
    }

    /// True when every sampled pixel is within 2 levels of the first: one flat colour.
    static func isBlank(_ pixels: PixelBuffer) -> Bool {
        let channels = pixels.layout.channels
        let colour = pixels.layout.hasAlpha ? channels - 1 : channels
        let step = max(1, (pixels.width * pixels.height) / 20_000)
        let first = Array(pixels.pixels[0..<colour])
        var index = 0
        while index < pixels.width * pixels.height {
            let base = index * channels
            for c in 0..<colour where abs(Int(pixels.pixels[base + c]) - Int(first[c])) > 2 { return false }
            index += step
        }
        return true
    }
}
