import Crypto
import ErrorVocabulary
import Foundation
import ImageCore
import VicSee

/// Why a reference could not be published.
public enum PublishError: SubjectError, Equatable {
    /// `publish loopback` serves files on 127.0.0.1, which only the simulator can reach.
    case loopbackNeedsSimulator
    /// `publish base-url` can only name the originals the user hosts, not a derived copy.
    case derivedCopyNotHosted(path: String)
    case unreadable(path: String)
    /// Not a JPEG, PNG or WebP by content, so no content type to give the service.
    case notAnImage(path: String)
    /// Too large to send inside the request.
    case tooLargeForInline(path: String, bytes: Int, max: Int)
    /// The catalogue in use has no facts about the service's upload and inline references.
    case noServiceFacts

    /// The `publish` step, or the reference.
    public var subject: String {
        switch self {
        case .loopbackNeedsSimulator, .noServiceFacts: "publish"
        case .derivedCopyNotHosted(let path), .unreadable(let path), .notAnImage(let path), .tooLargeForInline(let path, _, _): path
        }
    }

    public var reason: String {
        switch self {
        case .loopbackNeedsSimulator:
            "'publish loopback' serves references on 127.0.0.1, which only a service on this machine (the simulator) can reach: use 'publish upload' (the default) with the real service"
        case .derivedCopyNotHosted:
            "a derived copy is not hosted at the base URL; use 'publish upload' or 'publish s3', or send the original"
        case .unreadable: "cannot read the reference"
        case .notAnImage: "not a JPEG, PNG or WebP image"
        case .tooLargeForInline(_, let bytes, let max):
            "\(bytes) bytes is too large to send inline (at most \(max)); use 'publish upload', which puts it in the service's storage"
        case .noServiceFacts: "the model catalogue in use has no 'service' section (upload and inline limits)"
        }
    }
}

extension ImageFormat {
    /// The media type the service is told (`image/jpeg`, `image/png`, `image/webp`).
    var mediaType: String { "image/" + rawValue }
}

/// Puts a local reference where the service can fetch it, the way the pipeline's `publish` step says,
/// and returns its URL (or `data:` URI) with its size in bytes (checked against the model's per-file
/// limit). Uploads are recorded in `journal` and reused while valid.
struct ReferencePublisher {
    let way: PublishStep.Way
    let session: GenerationSession
    /// Where uploads are remembered; nil: each upload is made afresh.
    let journal: Journal?

    /// An upload is reused only while at least this many seconds of its validity remain: the service
    /// fetches a reference when the task starts, shortly after the submit.
    static let reuseMargin = 120.0

    func publish(_ file: String, original: Bool, relativePath: String?) async throws -> (url: String, bytes: Int) {
        guard let bytes = OutputFile.fingerprint(file)?.bytes else { throw PublishError.unreadable(path: file) }
        switch way {
        case .upload:
            return (try await upload(file), bytes)
        case .inline:
            guard let inline = session.catalogue.service?.inline else { throw PublishError.noServiceFacts }
            guard bytes <= inline.maxBytes else { throw PublishError.tooLargeForInline(path: file, bytes: bytes, max: inline.maxBytes) }
            let (content, type) = try read(file)
            return ("data:\(type);base64," + Data(content).base64EncodedString(), bytes)
        case .loopback:
            guard let url = session.loopbackURL(for: file) else { throw PublishError.loopbackNeedsSimulator }
            return (url, bytes)
        case .baseURL(let base):
            guard original else { throw PublishError.derivedCopyNotHosted(path: file) }
            let path = (relativePath ?? (file as NSString).lastPathComponent).split(separator: "/").map { part in
                String(part).addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? String(part)
            }.joined(separator: "/")
            return ((base.hasSuffix("/") ? base : base + "/") + path, bytes)
        case .s3(let target):
            let url = try await S3Publisher(target: target, credentials: .fromEnvironment()).publish(file)
            return (url, bytes)
        }
    }

    /// The file's bytes and media type, by content.
    private func read(_ file: String) throws -> ([UInt8], String) {
        guard let data = FileManager.default.contents(atPath: file) else { throw PublishError.unreadable(path: file) }
        guard let format = ImageFormat.detect(data) else { throw PublishError.notAnImage(path: file) }
        return (Array(data), format.mediaType)
    }

    /// The public URL of the file in the service's storage: an upload of the same bytes to the same
    /// service that is still valid, or a new one (recorded at once).
    private func upload(_ file: String) async throws -> String {
        guard let limits = session.catalogue.service?.upload else { throw PublishError.noServiceFacts }
        let (content, type) = try read(file)
        let hash = hex(SHA256.hash(data: content))
        let service = session.client.configuration.baseURL
        if let known = journal?.upload(content: hash, service: service), let expiry = known.expiresAt.flatMap(VicSeeClient.parseDate),
            expiry.timeIntervalSinceNow > Self.reuseMargin
        {
            return known.publicURL
        }
        let ticket = try await session.client.upload(content, contentType: type, limits: limits)
        try journal?.recordUpload(UploadRecord(content: hash, service: service, publicURL: ticket.publicURL, key: ticket.key,
                                               expiresAt: ticket.expiresAt, bytes: content.count, uploadedAt: Date().timeIntervalSince1970))
        return ticket.publicURL
    }
}
