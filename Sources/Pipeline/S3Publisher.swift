import ErrorVocabulary
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Keys for S3-compatible storage: an access key, its secret and, for temporary credentials (STS, SSO, an
/// instance role), the session token, sent as `X-Amz-Security-Token`.
public typealias S3Credentials = SignatureV4.Credentials

extension SignatureV4.Credentials {
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and, when set, `AWS_SESSION_TOKEN`, from `environment`
    /// (pass it explicitly where several runs share a process).
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> S3Credentials {
        guard let access = environment["AWS_ACCESS_KEY_ID"], let secret = environment["AWS_SECRET_ACCESS_KEY"] else {
            throw S3Error.missingCredentials
        }
        let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        return S3Credentials(accessKey: access, secretKey: secret, sessionToken: token)
    }
}

public enum S3Error: SubjectError, Equatable {
    case missingCredentials
    /// The store answered `status`; `code` is S3's error code (`SignatureDoesNotMatch`, `AccessDenied`, ...)
    /// when the answer names one, else the start of the answer.
    case request(url: String, status: Int, body: String)
    case unreadable(String)

    /// The environment, the object's URL, or the file to upload.
    public var subject: String {
        switch self {
        case .missingCredentials: "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY"
        case .request(let url, _, _): url
        case .unreadable(let path): path
        }
    }

    public var reason: String {
        switch self {
        case .missingCredentials: "S3 publishing needs both in the environment"
        case .request(_, let status, let body): "the S3 store refused it: HTTP \(status) \(body.prefix(200))"
        case .unreadable: "cannot read it for upload"
        }
    }
}

/// How object URLs name the bucket.
public enum S3Addressing: Sendable, Equatable {
    /// `https://endpoint/bucket/key`: local S3-compatible servers (MinIO, moto) and bucket names with dots.
    case path
    /// `https://bucket.endpoint/key`: AWS's own endpoints (path style is deprecated there), and any
    /// endpoint written with `{bucket}` in it.
    case virtualHost
}

extension S3Target {
    /// Virtual-hosted style for an endpoint on `amazonaws.com` (unless the bucket name has a dot, which
    /// TLS certificates for `*.s3.amazonaws.com` cannot cover) or one that says where the bucket goes
    /// with `{bucket}`; path style for everything else.
    public var addressing: S3Addressing {
        if endpoint.contains("{bucket}") { return .virtualHost }
        guard let host = URLComponents(string: endpoint)?.host?.lowercased() else { return .path }
        return host.hasSuffix(".amazonaws.com") && !bucket.contains(".") ? .virtualHost : .path
    }
}

/// Uploads references to S3-compatible storage (AWS Signature Version 4, see `SignatureV4`) and hands
/// out presigned GET URLs for the service to fetch them. Objects are named by content hash, so publishing
/// the same file twice uploads it once.
public struct S3Publisher: Sendable {
    public let target: S3Target
    public let credentials: S3Credentials

    public init(target: S3Target, credentials: S3Credentials) {
        self.target = target
        self.credentials = credentials
    }

    /// Uploads `path` (if not already there) and returns a presigned URL valid for `target.expires` seconds.
    public func publish(_ path: String, now: Date = Date()) async throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw S3Error.unreadable(path) }
        let key = target.prefix + String(SignatureV4.payloadHash(data).prefix(16)) + "/" + (path as NSString).lastPathComponent
        let head = try await send(method: .HEAD, key: key, body: nil, now: now)
        if head.status != 200 {
            let put = try await send(method: .PUT, key: key, body: data, now: now)
            guard put.status == 200 else { throw S3Error.request(url: objectURL(key), status: put.status, body: put.body) }
        }
        return presignedGET(key: key, now: now)
    }

    /// Creates the bucket (for first use and for tests against a local S3 server).
    public func createBucket(now: Date = Date()) async throws {
        let answer = try await send(method: .PUT, key: nil, body: nil, now: now)
        guard answer.status == 200 || answer.status == 409 else {
            throw S3Error.request(url: bucketURL, status: answer.status, body: answer.body)
        }
    }

    /// Scheme, host (with the bucket for virtual-hosted style) and port.
    private var origin: String {
        var endpoint = target.endpoint.hasSuffix("/") ? String(target.endpoint.dropLast()) : target.endpoint
        guard target.addressing == .virtualHost else { return endpoint }
        if endpoint.contains("{bucket}") { return endpoint.replacingOccurrences(of: "{bucket}", with: target.bucket) }
        // AWS's global endpoint serves every region, but a bucket outside us-east-1 answers best at its own.
        if endpoint == "https://s3.amazonaws.com" && target.region != "us-east-1" {
            endpoint = "https://s3.\(target.region).amazonaws.com"
        }
        return endpoint.replacingOccurrences(of: "://", with: "://\(target.bucket).")
    }

    /// The bucket's path, decoded: `/bucket` in path style, `/` in virtual-hosted style.
    private var bucketPath: String { target.addressing == .path ? "/" + target.bucket : "/" }

    private func objectPath(_ key: String) -> String { (bucketPath.hasSuffix("/") ? bucketPath : bucketPath + "/") + key }

    var bucketURL: String { origin + SignatureV4.encode(bucketPath, keepingSlashes: true) }

    func objectURL(_ key: String) -> String { origin + SignatureV4.encode(objectPath(key), keepingSlashes: true) }

    private var signer: SignatureV4 {
        SignatureV4(credentials: credentials, region: target.region, service: "s3", normalizesPath: false)
    }

    private var hostHeader: String {
        let components = URLComponents(string: origin)
        let host = components?.host ?? ""
        return components?.port.map { "\(host):\($0)" } ?? host
    }

    private func send(method: HTTPMethod, key: String?, body: Data?, now: Date) async throws -> (status: Int, body: String) {
        let path = key.map(objectPath) ?? bucketPath
        let url = origin + SignatureV4.encode(path, keepingSlashes: true)
        guard URLComponents(string: url)?.host != nil else { throw S3Error.unreadable(url) }
        let signed = signer.signHeaders(
            SignatureV4.Request(method: method.rawValue, path: path, headers: [.init("host", hostHeader)]), date: now,
            payloadHash: SignatureV4.payloadHash(body ?? Data()), sendsPayloadHash: true)
        var request = HTTPClientRequest(url: url)
        request.method = method
        for header in signed.headers { request.headers.add(name: header.name, value: header.value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let text = method == .HEAD ? "" : String(buffer: try await response.body.collect(upTo: 1 << 20))
        return (Int(response.status.code), Self.errorCode(text) ?? text)
    }

    /// A query-string-signed GET URL, as S3 defines it (the payload unsigned, only `host` signed).
    func presignedGET(key: String, now: Date) -> String {
        let path = objectPath(key)
        let signed = signer.presign(
            SignatureV4.Request(method: "GET", path: path, headers: [.init("host", hostHeader)]), date: now,
            expires: target.expires, payloadHash: SignatureV4.unsignedPayload)
        let signature = signed.query.last.map { "X-Amz-Signature=" + $0.value } ?? ""
        return origin + signer.canonicalPath(path) + "?" + SignatureV4.canonicalQuery(Array(signed.query.dropLast())) + "&" + signature
    }

    /// S3's error code from its XML answer (`<Code>SignatureDoesNotMatch</Code>`), for messages.
    static func errorCode(_ xml: String) -> String? {
        guard let start = xml.range(of: "<Code>"), let end = xml.range(of: "</Code>", range: start.upperBound..<xml.endIndex) else {
            return nil
        }
        return String(xml[start.upperBound..<end.lowerBound])
    }
}
