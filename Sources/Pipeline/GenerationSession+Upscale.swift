import Foundation
import ImageCore
import VicSee

/// What one upscale produced, verified against its source × the factor.
public struct UpscaleOutcome: Sendable {
    public var taskID: String
    public var factor: Int
    public var credits: Int?
    public var outputPath: String
    public var width: Int
    public var height: Int
    public var format: ImageFormat
    /// True for the simulator's work: never to be taken for a real upscale.
    public var simulated: Bool
    public var verdict: VerifyResult
    public var rateLimit: RateLimit?
}

extension GenerationSession {
    /// Upscales the local image `file` by `factor`, or by the smallest factor that brings its long side
    /// to `longSide` (nil, and nothing paid, when it is already there): published as references are,
    /// submitted, polled, downloaded into `directory` as `NAME@4x.png` and verified against the file's
    /// size × the factor. Refused before anything is spent when the tool cannot make it.
    public func upscale(_ file: String, factor: Int?, longSide: Int?, into directory: String,
                        onEvent: @Sendable (String) -> Void = { _ in }) async throws -> UpscaleOutcome? {
        guard let tool = catalogue.service?.upscale else { throw PublishError.noServiceFacts }
        let info: ImageInfo
        do {
            info = try ImageProbe.probe(path: file, limits: ImageLimits(maxBytes: ImageLimits.referenceBytes, maxPixels: ImageLimits.defaultPixels))
        } catch {
            throw ReferenceError.notAnImage(path: error.path, reason: error.reason)
        }
        let source = PixelSize(width: info.width, height: info.height)
        guard let decision = try tool.decide(from: source, factor: factor, longSide: longSide) else { return nil }
        let way: PublishStep.Way = servesLocalFiles ? .loopback : .upload
        let url = try await ReferencePublisher(way: way, session: self, journal: nil).publish(file, original: true, relativePath: nil).url
        let start = ContinuousClock.now
        let receipt = try await client.submitUpscale(UpscaleRequest(imageURL: url, factor: decision.factor))
        onEvent("submitted: upscale task \(receipt.taskID), ×\(decision.factor) to \(decision.output), \(receipt.creditsUsed ?? decision.credits) credits")
        let finished = try await client.waitForCompletion(receipt.taskID, schedule: pollPolicy.schedule(history: []), since: start) { status in
            onEvent("task \(status.id): \(status.rawStatus)")
        }
        let downloaded = try await download(finished.status, creditsUsed: receipt.creditsUsed, into: directory)
        let stem = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        let final = directory + "/" + (isSimulated ? "SIMULATED-" : "") + stem + "@\(decision.factor)x." + downloaded.format.fileExtension
        guard rename(downloaded.outputPath, final) == 0 else {
            throw ServiceError.download(url: finished.status.resultURL ?? receipt.taskID, detail: "cannot name the output \(final)")
        }
        let verdict = Verifier.verifyUpscale(path: final, source: source, factor: decision.factor, decoded: downloaded.decoded)
        return UpscaleOutcome(taskID: receipt.taskID, factor: decision.factor, credits: receipt.creditsUsed ?? decision.credits,
                              outputPath: verdict.renamedTo ?? final, width: downloaded.width, height: downloaded.height, format: downloaded.format,
                              simulated: isSimulated, verdict: verdict, rateLimit: client.rateLimit)
    }
}
