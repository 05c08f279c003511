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

/// A local reference that cannot be used.
public enum ReferenceError: SubjectError, Equatable {
    /// The reference is not an image imagepipe can read, for the reason `reason` (a probe error's).
    case notAnImage(path: String, reason: String)
    /// Outside the service's limits for references (ratio, megapixels, bytes).
    case refused(path: String, ReferenceLimitViolation)

    public var subject: String {
        switch self {
        case .notAnImage(let path, _), .refused(let path, _): path
        }
    }

    public var reason: String {
        switch self {
        case .notAnImage(_, let reason): reason
        case .refused(_, let violation):
            switch violation {
            case .ratio: "\(violation); crop or pad it into that range first (imagepipe convert, or 'aspect crop' in a pipeline)"
            case .megapixels, .bytes: "\(violation); shrink it first (imagepipe convert --long-side N)"
            }
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
    /// How this session's tasks are polled by default (see `PollPolicy`).
    public let pollPolicy: PollPolicy

    /// Starts what the backend needs. `referenceBaseURL` maps local reference files onto a place where
    /// the user already hosts them (real service only; without it they are uploaded to the service).
    /// `pollPolicy` defaults to adaptive polling, scaled for the simulator to its own task duration.
    public static func open(backend: Backend, catalogue: ModelCatalogue, referenceBaseURL: String? = nil,
                            pollPolicy: PollPolicy? = nil) async throws -> GenerationSession {
        switch backend {
        case .simulator(let options):
            let server = try await SimulatorServer.start(options: options, catalogue: catalogue)
            let host = LoopbackFileHost()
            try await host.start()
            let configuration = VicSeeConfiguration(baseURL: server.baseURL, apiKey: options.accounts.keys.sorted().first)
            // The simulator's tasks take `latency` (times its time scale): its blind first poll is there.
            let scale = options.latency * options.timeScale / (PollPolicy().blindFirst ?? 1)
            return GenerationSession(catalogue: catalogue, client: VicSeeClient(configuration: configuration), backend: backend,
                                     simulator: server, fileHost: host, referenceBaseURL: nil,
                                     pollPolicy: pollPolicy ?? PollPolicy().scaled(by: scale))
        case .vicsee(let baseURL, let apiKey):
            let client = VicSeeClient(configuration: VicSeeConfiguration(baseURL: baseURL, apiKey: apiKey))
            // A service on this machine (`imagepipe simulate`) can fetch what imagepipe serves on loopback.
            var host: LoopbackFileHost?
            if backend.isOnThisMachine && referenceBaseURL == nil {
                host = LoopbackFileHost()
                try await host?.start()
            }
            // A service on this machine is a simulator whose durations nobody knows: polled as the service
            // recommends until one is seen.
            let policy = pollPolicy ?? PollPolicy(blindFirst: backend.isOnThisMachine ? nil : PollPolicy().blindFirst)
            return GenerationSession(catalogue: catalogue, client: client, backend: backend, simulator: nil, fileHost: host,
                                     referenceBaseURL: referenceBaseURL, pollPolicy: policy)
        }
    }

    private init(catalogue: ModelCatalogue, client: VicSeeClient, backend: Backend, simulator: SimulatorServer?,
                 fileHost: LoopbackFileHost?, referenceBaseURL: String?, pollPolicy: PollPolicy) {
        self.catalogue = catalogue
        self.client = client
        self.backend = backend
        self.simulator = simulator
        self.fileHost = fileHost
        self.referenceBaseURL = referenceBaseURL
        self.pollPolicy = pollPolicy
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

    /// Whether imagepipe serves local files to this service on loopback (a service on this machine).
    var servesLocalFiles: Bool { fileHost != nil }

    /// A URL the service can fetch for `reference`: URLs pass through; a local file is checked (an image
    /// by content, within the model's reference limits when `model` is given) and published — on loopback
    /// for a service on this machine, under `referenceBaseURL` when given, else in the service's own
    /// storage (`POST /upload`).
    public func publish(_ reference: String, for model: ModelSpec? = nil) async throws -> (url: String, bytes: Int?) {
        if reference.hasPrefix("http://") || reference.hasPrefix("https://") { return (reference, nil) }
        let info: ImageInfo
        do {
            info = try ImageProbe.probe(path: reference, limits: ImageLimits(maxBytes: model?.references.maxBytes ?? ImageLimits.referenceBytes,
                                                                            maxPixels: ImageLimits.defaultPixels))
        } catch {
            throw ReferenceError.notAnImage(path: error.path, reason: error.reason)
        }
        if let violation = model?.references.violations(width: info.width, height: info.height, bytes: info.bytes).first {
            throw ReferenceError.refused(path: reference, violation)
        }
        let way: PublishStep.Way = referenceBaseURL.map { .baseURL($0) } ?? (servesLocalFiles ? .loopback : .upload)
        let published = try await ReferencePublisher(way: way, session: self, journal: nil).publish(reference, original: true, relativePath: nil)
        return (published.url, published.bytes)
    }

    /// Submits, waits, downloads into `directory` and checks the output. `onEvent` hears each step.
    public func generate(_ request: GenerationRequest, into directory: String,
                         onEvent: @Sendable (String) -> Void = { _ in }) async throws -> GenerationOutcome {
        let spec = try request.validate(against: catalogue)
        let start = ContinuousClock.now
        let receipt = try await client.submit(request, spec: spec)
        onEvent("submitted: task \(receipt.taskID)" + (receipt.creditsUsed.map { ", \($0) credits" } ?? ""))
        let finished = try await client.waitForCompletion(receipt.taskID, schedule: pollPolicy.schedule(history: []), since: start) { status in
            onEvent("task \(status.id): \(status.rawStatus)")
        }
        return try await download(finished.status, creditsUsed: receipt.creditsUsed, creditsRemaining: receipt.creditsRemaining,
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
