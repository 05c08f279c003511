import ErrorVocabulary
import Foundation
import ImageCore

/// Why a reference could not be published.
public enum PublishError: SubjectError, Equatable {
    /// `publish loopback` serves files on 127.0.0.1, which only the simulator can reach.
    case loopbackNeedsSimulator
    /// `publish base-url` can only name the originals the user hosts, not a derived copy.
    case derivedCopyNotHosted(path: String)
    case unreadable(path: String)

    /// The `publish` step, or the reference.
    public var subject: String {
        switch self {
        case .loopbackNeedsSimulator: "publish"
        case .derivedCopyNotHosted(let path), .unreadable(let path): path
        }
    }

    public var reason: String {
        switch self {
        case .loopbackNeedsSimulator:
            "'publish loopback' serves references on 127.0.0.1, which only a service on this machine (the simulator) can reach: use 'publish base-url URL' or 'publish s3 bucket NAME' with the real service"
        case .derivedCopyNotHosted:
            "a derived copy is not hosted at the base URL; use 'publish s3', or send the original"
        case .unreadable: "cannot read the reference"
        }
    }
}

/// Puts a local reference where the service can fetch it, the way the pipeline's `publish` step says,
/// and returns its URL with its size in bytes (checked against the model's per-file limit).
struct ReferencePublisher {
    let way: PublishStep.Way
    let session: GenerationSession

    func publish(_ file: String, original: Bool, relativePath: String?) async throws -> (url: String, bytes: Int) {
        guard let bytes = OutputFile.fingerprint(file)?.bytes else { throw PublishError.unreadable(path: file) }
        switch way {
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
}
