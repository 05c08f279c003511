import Crypto
import Foundation

/// AWS Signature Version 4, the scheme S3 (and every AWS API) authenticates requests with, in both of its
/// forms: an `Authorization` header, and a presigned URL whose query carries the signature. Written to
/// AWS's specification and checked against AWS's own test suite (aws-c-auth's `aws-signing-test-suite`,
/// in `../shared/testdata/aws-sigv4`), header and presigned cases alike.
public struct SignatureV4: Sendable {
    /// An access key, its secret and, for temporary credentials, the session token (AWS_SESSION_TOKEN),
    /// which travels as `X-Amz-Security-Token`.
    public struct Credentials: Sendable, Equatable {
        public var accessKey: String
        public var secretKey: String
        public var sessionToken: String?

        public init(accessKey: String, secretKey: String, sessionToken: String? = nil) {
            self.accessKey = accessKey
            self.secretKey = secretKey
            self.sessionToken = sessionToken
        }
    }

    /// The parts of a request that are signed.
    public struct Request: Sendable {
        public var method: String
        /// The path, percent-decoded (`/refs/a b.jpg`); `canonicalPath` gives the form to sign and send.
        public var path: String
        /// The query's parameters, percent-decoded, in any order.
        public var query: [Parameter]
        /// The headers to sign, `host` included, in any order and case.
        public var headers: [Parameter]

        public init(method: String, path: String, query: [Parameter] = [], headers: [Parameter]) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
        }
    }

    /// A name and a value: a query parameter or a header.
    public struct Parameter: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// A signature and what to add to the request to carry it, with the intermediate texts AWS's test
    /// suite checks.
    public struct Signed: Sendable {
        public var canonicalRequest: String
        public var stringToSign: String
        public var signature: String
        /// Headers to add (header signing): `X-Amz-Date`, the token and payload hash when they are sent,
        /// `Authorization`.
        public var headers: [Parameter]
        /// Query parameters to add (presigning): the `X-Amz-*` parameters, `X-Amz-Signature` last.
        public var query: [Parameter]
    }

    public var credentials: Credentials
    public var region: String
    public var service: String
    /// Whether the path is normalized (dot segments removed, repeated slashes merged) before it is signed:
    /// every service does so but S3, which signs object keys exactly as they are.
    public var normalizesPath: Bool

    public init(credentials: Credentials, region: String, service: String, normalizesPath: Bool) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.normalizesPath = normalizesPath
    }

    /// The payload hash S3 accepts in presigned URLs, whose body the signer never sees.
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"

    /// Signs `request` with an `Authorization` header. `payloadHash` is the hex SHA-256 of the body;
    /// `sendsPayloadHash` adds it as the `x-amz-content-sha256` header (S3 requires it). The session
    /// token, when there is one, is signed unless `signsSessionToken` is false (some services want it
    /// added after signing).
    public func signHeaders(_ request: Request, date: Date, payloadHash: String, sendsPayloadHash: Bool,
                            signsSessionToken: Bool = true) -> Signed {
        let (amzDate, day) = Self.stamps(date)
        var added = [Parameter("X-Amz-Date", amzDate)]
        if let token = credentials.sessionToken, signsSessionToken { added.append(Parameter("X-Amz-Security-Token", token)) }
        if sendsPayloadHash { added.append(Parameter("x-amz-content-sha256", payloadHash)) }
        let headers = Self.canonicalHeaders(request.headers + added)
        let canonical = [
            request.method, canonicalPath(request.path), Self.canonicalQuery(request.query),
            headers.text, headers.signed, payloadHash,
        ].joined(separator: "\n")
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let toSign = Self.stringToSign(canonical, amzDate: amzDate, scope: scope)
        let signature = sign(toSign, day: day)
        if let token = credentials.sessionToken, !signsSessionToken { added.append(Parameter("X-Amz-Security-Token", token)) }
        added.append(Parameter(
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKey)/\(scope), SignedHeaders=\(headers.signed), Signature=\(signature)"))
        return Signed(canonicalRequest: canonical, stringToSign: toSign, signature: signature, headers: added, query: [])
    }

    /// Signs `request` as a presigned URL valid for `expires` seconds from `date`: the signature goes
    /// into the query, and every header of the request is signed (`host` at least).
    public func presign(_ request: Request, date: Date, expires: Int, payloadHash: String,
                        signsSessionToken: Bool = true) -> Signed {
        let (amzDate, day) = Self.stamps(date)
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let headers = Self.canonicalHeaders(request.headers)
        var added = [
            Parameter("X-Amz-Algorithm", "AWS4-HMAC-SHA256"), Parameter("X-Amz-Credential", "\(credentials.accessKey)/\(scope)"),
            Parameter("X-Amz-Date", amzDate), Parameter("X-Amz-Expires", String(expires)),
            Parameter("X-Amz-SignedHeaders", headers.signed),
        ]
        if let token = credentials.sessionToken, signsSessionToken { added.append(Parameter("X-Amz-Security-Token", token)) }
        let canonical = [
            request.method, canonicalPath(request.path), Self.canonicalQuery(request.query + added),
            headers.text, headers.signed, payloadHash,
        ].joined(separator: "\n")
        let toSign = Self.stringToSign(canonical, amzDate: amzDate, scope: scope)
        let signature = sign(toSign, day: day)
        if let token = credentials.sessionToken, !signsSessionToken { added.append(Parameter("X-Amz-Security-Token", token)) }
        added.append(Parameter("X-Amz-Signature", signature))
        return Signed(canonicalRequest: canonical, stringToSign: toSign, signature: signature, headers: [], query: added)
    }

    // MARK: Canonical forms

    /// The path as signed and as sent: normalized when the service wants it, each segment percent-encoded
    /// (only RFC 3986's unreserved characters stay), slashes kept.
    public func canonicalPath(_ path: String) -> String {
        var path = path.isEmpty ? "/" : path
        if normalizesPath {
            var kept: [Substring] = []
            for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
                switch segment {
                case ".": continue
                case "..": _ = kept.popLast()
                default: kept.append(segment)
                }
            }
            let trailing = path.hasSuffix("/") || path.hasSuffix("/.") || path.hasSuffix("/..")
            path = "/" + kept.joined(separator: "/") + (trailing && !kept.isEmpty ? "/" : "")
        }
        return Self.encode(path, keepingSlashes: true)
    }

    /// The query as signed: names and values percent-encoded, sorted by name, then value.
    public static func canonicalQuery(_ parameters: [Parameter]) -> String {
        let encoded: [(name: String, value: String)] = parameters.map {
            (encode($0.name, keepingSlashes: false), encode($0.value, keepingSlashes: false))
        }
        let sorted = encoded.sorted { a, b in a.name == b.name ? a.value < b.value : a.name < b.name }
        return sorted.map { $0.name + "=" + $0.value }.joined(separator: "&")
    }

    /// The headers as signed: names lowercased and sorted, values trimmed with inner runs of white space
    /// (folded lines included) made one space, repeated headers joined by commas in their order.
    static func canonicalHeaders(_ headers: [Parameter]) -> (text: String, signed: String) {
        var values: [String: [String]] = [:]
        for header in headers {
            let value = header.value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
                .joined(separator: " ")
            values[header.name.lowercased(), default: []].append(value)
        }
        let names = values.keys.sorted()
        return (names.map { "\($0):\(values[$0]!.joined(separator: ","))\n" }.joined(), names.joined(separator: ";"))
    }

    /// RFC 3986 percent-encoding as SigV4 wants it: only unreserved characters stay, bytes in upper-case hex.
    public static func encode(_ text: String, keepingSlashes: Bool) -> String {
        var encoded = ""
        encoded.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) || (keepingSlashes && byte == UInt8(ascii: "/")) {
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                encoded += "%" + String(hexDigits[Int(byte >> 4)]) + String(hexDigits[Int(byte & 15)])
            }
        }
        return encoded
    }

    private static let hexDigits = Array("0123456789ABCDEF")

    /// RFC 3986's unreserved characters: letters, digits, `-`, `.`, `_`, `~`.
    private static func isUnreserved(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
            || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E
    }

    // MARK: Signing

    static func stringToSign(_ canonical: String, amzDate: String, scope: String) -> String {
        ["AWS4-HMAC-SHA256", amzDate, scope, hex(SHA256.hash(data: Data(canonical.utf8)))].joined(separator: "\n")
    }

    private func sign(_ text: String, day: String) -> String {
        var key = SymmetricKey(data: Data(("AWS4" + credentials.secretKey).utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return Self.hex(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key))
    }

    /// The hex SHA-256 of `data`, as payload hashes are written.
    public static func payloadHash(_ data: Data) -> String {
        hex(SHA256.hash(data: data))
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef")
        var text = ""
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 15)])
        }
        return text
    }

    /// `20150830T123600Z` and `20150830`, in UTC.
    static func stamps(_ date: Date) -> (amzDate: String, day: String) {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let day = "\(parts.tm_year + 1900)" + two(parts.tm_mon + 1) + two(parts.tm_mday)
        return (day + "T" + two(parts.tm_hour) + two(parts.tm_min) + two(parts.tm_sec) + "Z", day)
    }
}
