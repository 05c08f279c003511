import ErrorVocabulary
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// What `POST /upload` answers: where to `PUT` the bytes (a presigned URL), the URL the
/// service fetches them from afterwards, the storage key, and when the upload URL expires.
public struct UploadTicket: Sendable, Equatable, Codable {
    public var uploadURL: String
    public var publicURL: String
    public var key: String
    /// ISO 8601; nil when the service gave none.
    public var expiresAt: String?

    public init(uploadURL: String, publicURL: String, key: String, expiresAt: String?) {
        self.uploadURL = uploadURL
        self.publicURL = publicURL
        self.key = key
        self.expiresAt = expiresAt
    }
}

/// Why a reference could not be put in the service's storage.
public enum UploadError: SubjectError, Equatable {
    /// The service's upload does not take this content type.
    case unsupportedType(contentType: String, allowed: [String])
    /// Larger than the service's own client uploads.
    case tooLarge(bytes: Int, max: Int)
    /// The answer to `POST /upload` lacks a field.
    case unexpectedAnswer(detail: String)
    /// Storage refused the `PUT` (an expired URL, a content type or size other than the one signed).
    case putRefused(status: Int, detail: String)
    /// The `PUT` got no answer.
    case putFailed(detail: String)

    /// The service's upload: the reference's own path is named by whoever publishes it.
    public var subject: String { "the service's upload" }

    public var reason: String {
        switch self {
        case .unsupportedType(let type, let allowed):
            "does not take \(type); it takes \(allowed.joined(separator: ", "))"
        case .tooLarge(let bytes, let max):
            "\(bytes) bytes is more than it takes (\(max)); shrink it first (check oversize shrink)"
        case .unexpectedAnswer(let detail): "unexpected answer to the upload request: \(detail)"
        case .putRefused(let status, let detail): "the upload was refused (HTTP \(status)): \(detail)"
        case .putFailed(let detail): "the upload did not complete: \(detail)"
        }
    }
}

extension VicSeeClient {
    /// Asks the service for a presigned upload of `sizeBytes` bytes of `contentType` (`POST /upload`). It
    /// costs one request and no credits, and is not retried: a failure fails the reference this time.
    public func requestUpload(contentType: String, sizeBytes: Int) async throws -> UploadTicket {
        let body = try JSONSerialization.data(withJSONObject: ["contentType": contentType, "sizeBytes": sizeBytes], options: [.sortedKeys])
        let answer = try await call(.POST, url: configuration.baseURL + "/upload", body: body)
        guard (200..<300).contains(answer.status) else { throw failure(of: answer) }
        let object = (try? JSONSerialization.jsonObject(with: answer.body)) as? [String: Any]
        let data = object?["data"] as? [String: Any] ?? object ?? [:]
        guard let upload = data["uploadUrl"] as? String, let publicURL = data["publicUrl"] as? String else {
            throw UploadError.unexpectedAnswer(detail: "no uploadUrl or publicUrl")
        }
        return UploadTicket(uploadURL: upload, publicURL: publicURL, key: data["key"] as? String ?? "", expiresAt: data["expiresAt"] as? String)
    }

    /// `PUT`s `bytes` to the ticket's upload URL with `contentType` and no key (the URL is signed).
    public func put(_ bytes: [UInt8], contentType: String, to ticket: UploadTicket) async throws {
        var request = HTTPClientRequest(url: ticket.uploadURL)
        request.method = .PUT
        request.headers.add(name: "Content-Type", value: contentType)
        request.headers.add(name: "User-Agent", value: "imagepipe")
        request.body = .bytes(ByteBuffer(bytes: bytes))
        let response: HTTPClientResponse
        let text: String
        do {
            response = try await transport.execute(request, timeout: .milliseconds(Int64(configuration.requestTimeout * 1000)))
            text = String(decoding: try await response.body.collect(upTo: 1 << 16).readableBytesView, as: UTF8.self)
        } catch {
            throw UploadError.putFailed(detail: redact("\(error)"))
        }
        guard (200..<300).contains(Int(response.status.code)) else {
            throw UploadError.putRefused(status: Int(response.status.code), detail: redact(String(text.prefix(200))))
        }
    }

    /// Puts `bytes` of `contentType` in the service's storage: checked against `limits`, then a ticket
    /// asked for and the bytes put. Its `publicURL` is what `/generate` takes.
    public func upload(_ bytes: [UInt8], contentType: String, limits: ServiceFacts.Upload) async throws -> UploadTicket {
        guard limits.contentTypes.contains(contentType) else {
            throw UploadError.unsupportedType(contentType: contentType, allowed: limits.contentTypes)
        }
        guard bytes.count <= limits.maxBytes else { throw UploadError.tooLarge(bytes: bytes.count, max: limits.maxBytes) }
        let ticket = try await requestUpload(contentType: contentType, sizeBytes: bytes.count)
        try await put(bytes, contentType: contentType, to: ticket)
        return ticket
    }
}
