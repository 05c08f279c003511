import ErrorVocabulary
import Foundation
import ImageCore
import Simulator
import VicSee

/// What one generation produced.
public struct GenerationOutcome: Sendable {
    public var taskID: String
    public var creditsUsed: Int?
    public var creditsRemaining: Int?
    public var outputPath: String
    public var format: ImageFormat
    public var width: Int
    public var height: Int
    /// True for outputs of the simulator: never to be taken for a real generation.
    public var simulated: Bool
    public var rateLimit: RateLimit?
    /// The output decoded once, at the strictness asked for, when it was checked; a failure here (a
    /// warning at the strictest level) is a verdict on the output, not a reason to download it again.
    public var decoded: Result<DecodedImage, any Error>
}

/// A local reference or URL that cannot be used.
public enum ReferenceError: SubjectError, Equatable {
    case notPublishable(path: String)
    /// The reference is not an image imagepipe can read, for the reason `reason` (a probe error's).
    case notAnImage(path: String, reason: String)

    public var subject: String {
        switch self {
        case .notPublishable(let path), .notAnImage(let path, _): path
        }
    }

    public var reason: String {
        switch self {
        case .notPublishable:
            "a local reference needs a URL the service can fetch: pass --ref-base-url URL where you host "
                + "it (or use --backend sim, which serves it itself)"
        case .notAnImage(_, let reason): reason
        }
    }
}

/// Everything one or more generations need: the backend (for the simulator, the server itself and the
/// loopback host that publishes local references), the client, the catalogue. Close it when done.
public final class GenerationSession: Sendable {
    public let catalogue: ModelCatalogue
    public let client: VicSeeClient
    public let backend: Backend
    /// The running simulator, when the backend is simulated.
    public let simulator: SimulatorServer?
    private let fileHost: LoopbackFileHost?
    private let referenceBaseURL: String?

    /// Starts what the backend needs. `referenceBaseURL` maps local reference files onto a place where
    /// the user already hosts them (real service only).
    public static func open(backend: Backend, catalogue: ModelCatalogue, referenceBaseURL: String? = nil) async throws -> GenerationSession {
        switch backend {
        case .simulator(let options):
            let server = try await SimulatorServer.start(options: options, catalogue: catalogue)
            let host = LoopbackFileHost()
            try await host.start()
            var configuration = VicSeeConfiguration(baseURL: server.baseURL, apiKey: options.accounts.keys.sorted().first)
            configuration.pollInitial = 0.2
            return GenerationSession(catalogue: catalogue, client: VicSeeClient(configuration: configuration), backend: backend,
                                     simulator: server, fileHost: host, referenceBaseURL: nil)
        case .vicsee(let baseURL, let apiKey):
            let client = VicSeeClient(configuration: VicSeeConfiguration(baseURL: baseURL, apiKey: apiKey))
            // A service on this machine (`imagepipe simulate`) can fetch what imagepipe serves on loopback.
            var host: LoopbackFileHost?
            if backend.isOnThisMachine && referenceBaseURL == nil {
                host = LoopbackFileHost()
                try await host?.start()
            }
            return GenerationSession(catalogue: catalogue, client: client, backend: backend, simulator: nil, fileHost: host,
                                     referenceBaseURL: referenceBaseURL)
        }
    }

    private init(catalogue: ModelCatalogue, client: VicSeeClient, backend: Backend, simulator: SimulatorServer?,
                 fileHost: LoopbackFileHost?, referenceBaseURL: String?) {
        self.catalogue = catalogue
        self.client = client
        self.backend = backend
        self.simulator = simulator
        self.fileHost = fileHost
        self.referenceBaseURL = referenceBaseURL
    }

    public func close() async {
        await fileHost?.stop()
        await simulator?.stop()
    }

    /// True when the service is a simulator — the embedded one, or one whose answers say so (a standalone
    /// simulator used as `--backend vicsee`): its outputs must never pass for real ones.
    public var isSimulated: Bool { backend.isSimulated || client.answersAreSimulated }

    /// What the journal and report name the backend by: `simulator`, or the service's API root.
    public var backendName: String {
        switch backend {
        case .simulator: "simulator"
        case .vicsee(let baseURL, _): baseURL
        }
    }

    /// The URL at which the loopback host serves `path` to the simulator; nil for the real service.
    public func loopbackURL(for path: String) -> String? { fileHost?.publish(path) }

    /// A URL the service can fetch for `reference`: URLs pass through; a local file is checked (an image
    /// by content, within the service's byte limit) and published — on loopback for the simulator, under
    /// `referenceBaseURL` for the real service.
    public func publish(_ reference: String, maxBytes: Int = ImageLimits.referenceBytes) async throws -> (url: String, bytes: Int?) {
        if reference.hasPrefix("http://") || reference.hasPrefix("https://") { return (reference, nil) }
        do {
            _ = try ImageProbe.probe(path: reference, limits: ImageLimits(maxBytes: maxBytes, maxPixels: ImageLimits.defaultPixels))
        } catch {
            throw ReferenceError.notAnImage(path: error.path, reason: error.reason)
        }
        let way: PublishStep.Way
        if let referenceBaseURL {
            way = .baseURL(referenceBaseURL)
        } else if fileHost != nil {
            way = .loopback
        } else {
            throw ReferenceError.notPublishable(path: reference)
        }
        let published = try await ReferencePublisher(way: way, session: self).publish(reference, original: true, relativePath: nil)
        return (published.url, published.bytes)
    }

    /// Submits, waits, downloads into `directory` and checks the output. `onEvent` hears each step.
    public func generate(_ request: GenerationRequest, into directory: String,
                         onEvent: @Sendable (String) -> Void = { _ in }) async throws -> GenerationOutcome {
        let spec = try request.validate(against: catalogue)
        let receipt = try await client.submit(request, spec: spec)
        onEvent("submitted: task \(receipt.taskID)" + (receipt.creditsUsed.map { ", \($0) credits" } ?? ""))
        let finished = try await client.waitForCompletion(receipt.taskID) { status in onEvent("task \(status.id): \(status.rawStatus)") }
        return try await download(finished, creditsUsed: receipt.creditsUsed, creditsRemaining: receipt.creditsRemaining,
                                  into: directory)
    }

    /// Downloads a finished task's output, refusing anything that is not a whole image, and names it by
    /// task id and real format (`SIMULATED-` first for the simulator's).
    /// The bytes must make a whole image (`.truncated`: a cut transfer is refused and fetched again from
    /// the next source); they are decoded once, at `strictness`, for the verdict.
    public func download(_ task: TaskStatus, creditsUsed: Int?, creditsRemaining: Int? = nil, into directory: String,
                         strictness: FailOn = .warning) async throws -> GenerationOutcome
    {
        _ = AtomicFile.makeDirectories(directory)
        let prefix = isSimulated ? "SIMULATED-" : ""
        let staging = directory + "/" + prefix + task.id + ".download"
        let found = Mutex<(image: DecodedImage, strict: Result<DecodedImage, any Error>)?>(nil)
        try await client.download(task, to: staging) { path in
            let strict = Result { try ImageDecoder.decode(path: path, options: DecodeOptions(failOn: strictness, limits: ImageLimits(maxPixels: nil))) }
            // Whole but flawed at the strict level: kept (it was paid for) and judged by verify.
            let image = try (try? strict.get()) ?? ImageDecoder.decode(path: path, options: DecodeOptions(failOn: .truncated, limits: ImageLimits(maxPixels: nil)))
            found.withLock { $0 = (image, strict) }
        }
        guard let (image, strict) = found.withLock({ $0 }) else { throw ServiceError.noResult(id: task.id) }
        let info = image.info
        let final = directory + "/" + prefix + task.id + "." + info.format.fileExtension
        guard rename(staging, final) == 0 else {
            throw ServiceError.download(url: task.resultURL ?? task.id, detail: "cannot name the output \(final)")
        }
        return GenerationOutcome(
            taskID: task.id, creditsUsed: creditsUsed, creditsRemaining: creditsRemaining, outputPath: final, format: info.format,
            width: image.pixels.width, height: image.pixels.height, simulated: isSimulated, rateLimit: client.rateLimit,
            decoded: strict)
    }
}

import Synchronization
