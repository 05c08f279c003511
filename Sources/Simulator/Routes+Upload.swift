import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The service's own storage for references, as its client uses it: `POST /upload` with
/// `{contentType, sizeBytes}` answers `{uploadUrl, publicUrl, key, expiresAt}`; the bytes are `PUT` to
/// `uploadUrl` with that content type and no key; `publicUrl` is what `/generate` takes. The `PUT` is
/// checked as a presigned URL is: not expired, the content type and the size it was signed for.
extension Routes {
    /// The content types the service's upload allows, from the catalogue's data.
    private var allowedTypes: [String] { state.catalogue.service?.upload.contentTypes ?? [] }

    func signUpload(_ request: Request) async -> Response {
        let key: String
        let rate: Rate
        switch await gate(request) {
        case .stop(let response): return response
        case .pass(let k, let r): (key, rate) = (k, r)
        }
        func bad(_ code: String, _ message: String) -> Response { Self.failure(.badRequest, code, message, rate: rate) }
        guard let object = await Self.jsonObject(of: request, upTo: 1 << 16) else {
            return bad("INVALID_JSON", "The request body is not valid JSON")
        }
        guard let contentType = object["contentType"] as? String, allowedTypes.contains(contentType) else {
            return bad("INVALID_PARAMETERS", "contentType must be one of \(allowedTypes.joined(separator: ", "))")
        }
        guard let size = object["sizeBytes"] as? Int, size > 0 else {
            return bad("INVALID_PARAMETERS", "sizeBytes must be a positive integer")
        }
        let (token, ticket) = await state.signUpload(owner: key, contentType: contentType, sizeBytes: size)
        let origin = "http://127.0.0.1:\(port.withLock { $0 })"
        return Self.json(.ok, ["success": true, "data": [
            "uploadUrl": origin + "/storage/put/" + token, "publicUrl": origin + "/storage/" + ticket.key, "key": ticket.key,
            "expiresAt": ISO8601DateFormatter().string(from: ticket.expires),
        ]], rate: rate)
    }

    /// The presigned `PUT`: storage's answers are not the API's envelope but plain text, as S3's are.
    func putUpload(_ request: Request, token: String) async -> Response {
        func refuse(_ status: HTTPResponse.Status, _ text: String) -> Response {
            Response(status: status, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        guard let ticket = await state.uploadTicket(token) else { return refuse(.forbidden, "NoSuchUpload: unknown or used upload URL") }
        guard ticket.expires > Date() else { return refuse(.forbidden, "Request has expired") }
        guard request.headers[.contentType] == ticket.contentType else {
            return refuse(.forbidden, "SignatureDoesNotMatch: signed for Content-Type \(ticket.contentType)")
        }
        guard let body = try? await request.body.collect(upTo: ticket.sizeBytes), body.readableBytes == ticket.sizeBytes else {
            return refuse(.badRequest, "BadDigest: the body is not the \(ticket.sizeBytes) bytes signed for")
        }
        await state.storeUpload(token: token, ticket: ticket, bytes: Array(buffer: body))
        return Response(status: .ok)
    }

    /// An upload's public URL: anyone may fetch it, as the service fetches references.
    func uploadedFile(_ key: String) async -> Response {
        guard let stored = await state.upload("uploads/" + key) else {
            return Response(status: .notFound, body: ResponseBody(byteBuffer: ByteBuffer(string: "NoSuchKey")))
        }
        return Response(status: .ok, headers: [.contentType: stored.contentType], body: ResponseBody(byteBuffer: ByteBuffer(bytes: stored.bytes)))
    }
}
