import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1

/// Keys for S3-compatible storage, from the usual environment variables.
public struct S3Credentials: Sendable {
    public var accessKey: String
    public var secretKey: String

    public init(accessKey: String, secretKey: String) {
        self.accessKey = accessKey
        self.secretKey = secretKey
    }

    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> S3Credentials {
        guard let access = environment["AWS_ACCESS_KEY_ID"], let secret = environment["AWS_SECRET_ACCESS_KEY"] else {
            throw S3Error.missingCredentials
        }
        return S3Credentials(accessKey: access, secretKey: secret)
    }
}

public enum S3Error: Error, CustomStringConvertible, Equatable {
    case missingCredentials
    case request(url: String, status: Int, body: String)
    case unreadable(String)

    public var description: String {
        switch self {
        case .missingCredentials: "S3 publishing needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment"
        case .request(let url, let status, let body): "S3 refused \(url): HTTP \(status) \(body.prefix(200))"
        case .unreadable(let path): "\(path): cannot read it for upload"
        }
    }
}

/// Uploads references to S3-compatible storage (path-style URLs, AWS Signature Version 4 via
/// swift-crypto) and hands out presigned GET URLs for the service to fetch them. Objects are named by
/// content hash, so publishing the same file twice uploads it once.
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
        let hash = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        let key = target.prefix + String(hash.prefix(16)) + "/" + (path as NSString).lastPathComponent
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

    var bucketURL: String { (target.endpoint.hasSuffix("/") ? String(target.endpoint.dropLast()) : target.endpoint) + "/" + target.bucket }

    func objectURL(_ key: String) -> String { bucketURL + "/" + Self.encode(key, keepSlash: true) }

    private func send(method: HTTPMethod, key: String?, body: Data?, now: Date) async throws -> (status: Int, body: String) {
        let url = key.map(objectURL) ?? bucketURL
        let payloadHash = Self.hex(SHA256.hash(data: body ?? Data()))
        let (amzDate, day) = Self.stamps(now)
        guard let components = URLComponents(string: url), let host = components.host else { throw S3Error.unreadable(url) }
        let hostHeader = components.port.map { "\(host):\($0)" } ?? host
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        let headers = ["host": hostHeader, "x-amz-content-sha256": payloadHash, "x-amz-date": amzDate]
        let signedHeaders = headers.keys.sorted().joined(separator: ";")
        let canonical = [method.rawValue, path, "", headers.keys.sorted().map { "\($0):\(headers[$0]!)\n" }.joined(), signedHeaders, payloadHash]
            .joined(separator: "\n")
        let scope = "\(day)/\(target.region)/s3/aws4_request"
        let signature = sign(canonical: canonical, amzDate: amzDate, day: day, scope: scope)
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "x-amz-date", value: amzDate)
        request.headers.add(name: "x-amz-content-sha256", value: payloadHash)
        request.headers.add(name: "Authorization",
                            value: "AWS4-HMAC-SHA256 Credential=\(credentials.accessKey)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)")
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let text = method == .HEAD ? "" : String(buffer: try await response.body.collect(upTo: 1 << 20))
        return (Int(response.status.code), text)
    }

    /// A query-string-signed GET URL, as S3 defines it.
    func presignedGET(key: String, now: Date) -> String {
        let url = objectURL(key)
        let components = URLComponents(string: url)!
        let host = components.port.map { "\(components.host!):\($0)" } ?? components.host!
        let (amzDate, day) = Self.stamps(now)
        let scope = "\(day)/\(target.region)/s3/aws4_request"
        let query = [
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"), ("X-Amz-Credential", "\(credentials.accessKey)/\(scope)"),
            ("X-Amz-Date", amzDate), ("X-Amz-Expires", String(target.expires)), ("X-Amz-SignedHeaders", "host"),
        ].map { (Self.encode($0.0, keepSlash: false), Self.encode($0.1, keepSlash: false)) }.sorted { $0.0 < $1.0 }
            .map { "\($0.0)=\($0.1)" }.joined(separator: "&")
        let canonical = ["GET", components.percentEncodedPath, query, "host:\(host)\n", "host", "UNSIGNED-PAYLOAD"].joined(separator: "\n")
        return url + "?" + query + "&X-Amz-Signature=" + sign(canonical: canonical, amzDate: amzDate, day: day, scope: scope)
    }

    private func sign(canonical: String, amzDate: String, day: String, scope: String) -> String {
        let toSign = ["AWS4-HMAC-SHA256", amzDate, scope, Self.hex(SHA256.hash(data: Data(canonical.utf8)))].joined(separator: "\n")
        var key = SymmetricKey(data: Data(("AWS4" + credentials.secretKey).utf8))
        for part in [day, target.region, "s3", "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return Self.hex(HMAC<SHA256>.authenticationCode(for: Data(toSign.utf8), using: key))
    }

    static func stamps(_ date: Date) -> (amzDate: String, day: String) {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let stamp = formatter.string(from: date)
        return (stamp, String(stamp.prefix(8)))
    }

    /// RFC 3986 encoding as SigV4 wants it: only unreserved characters stay.
    static func encode(_ text: String, keepSlash: Bool) -> String {
        var allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        if keepSlash { allowed.insert("/") }
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
