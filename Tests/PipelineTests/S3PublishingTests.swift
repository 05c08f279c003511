import Foundation
import ImageCore
import Testing
@testable import Pipeline

#if canImport(Glibc)
    import Glibc
#endif

/// AWS Signature Version 4 against AWS's own test suite, and S3 publishing against a real S3 server
/// (moto) that checks signatures.
@Suite struct SignatureV4Tests {
    static let suite = Conformance.testdata.map { $0 + "/aws-sigv4" }

    /// One case of aws-c-auth's suite: the request as a file, its context, the expected texts.
    struct SuiteCase {
        var name: String
        var request: SignatureV4.Request
        var body: Data
        var signer: SignatureV4
        var date: Date
        var expires: Int
        var signsBody: Bool
        var signsToken: Bool

        init(_ directory: String) throws {
            name = (directory as NSString).lastPathComponent
            let context = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/context.json"))) as! [String: Any]
            let credentials = context["credentials"] as! [String: String]
            signer = SignatureV4(
                credentials: .init(accessKey: credentials["access_key_id"]!, secretKey: credentials["secret_access_key"]!,
                                   sessionToken: credentials["token"]),
                region: context["region"] as! String, service: context["service"] as! String, normalizesPath: context["normalize"] as! Bool)
            date = ISO8601DateFormatter().date(from: context["timestamp"] as! String)!
            expires = context["expiration_in_seconds"] as! Int
            signsBody = context["sign_body"] as! Bool
            signsToken = !(context["omit_session_token"] as? Bool ?? false)
            // request.txt: the request line (its target may hold spaces), headers (folded lines start with
            // white space), a blank line, the body.
            let text = try String(contentsOfFile: directory + "/request.txt", encoding: .utf8)
            let parts = text.components(separatedBy: "\n\n")
            var lines = parts[0].components(separatedBy: "\n")
            let requestLine = lines.removeFirst()
            let method = String(requestLine.prefix { $0 != " " })
            let target = String(requestLine.dropFirst(method.count + 1).dropLast(" HTTP/1.1".count))
            let pathEnd = target.firstIndex(of: "?") ?? target.endIndex
            var query: [SignatureV4.Parameter] = []
            if pathEnd < target.endIndex {
                for pair in target[target.index(after: pathEnd)...].split(separator: "&") {
                    let halves = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                    query.append(.init(String(halves[0]).removingPercentEncoding!, halves.count > 1 ? String(halves[1]).removingPercentEncoding! : ""))
                }
            }
            var headers: [SignatureV4.Parameter] = []
            for line in lines where !line.isEmpty {
                if line.first == " " || line.first == "\t" {
                    headers[headers.count - 1].value += "\n" + line
                } else {
                    let colon = line.firstIndex(of: ":")!
                    headers.append(.init(String(line[..<colon]), String(line[line.index(after: colon)...])))
                }
            }
            body = Data(parts.dropFirst().joined(separator: "\n\n").utf8)
            request = SignatureV4.Request(method: method, path: String(target[..<pathEnd]), query: query, headers: headers)
        }

        func expected(_ file: String) throws -> String {
            try String(contentsOfFile: (SignatureV4Tests.suite! as NSString).appendingPathComponent(name + "/" + file), encoding: .utf8)
        }
    }

    static var cases: [String] {
        guard let suite else { return [] }
        return ((try? FileManager.default.contentsOfDirectory(atPath: suite)) ?? []).filter {
            FileManager.default.fileExists(atPath: suite + "/" + $0 + "/context.json")
        }.sorted()
    }

    @Test(.enabled(if: suite != nil, "\(Conformance.missingNote)"))
    func awsSuiteHeaderSigning() throws {
        #expect(Self.cases.count >= 38)
        for name in Self.cases {
            let test = try SuiteCase(Self.suite! + "/" + name)
            let signed = test.signer.signHeaders(test.request, date: test.date, payloadHash: SignatureV4.payloadHash(test.body),
                                                 sendsPayloadHash: test.signsBody, signsSessionToken: test.signsToken)
            #expect(signed.canonicalRequest == (try test.expected("header-canonical-request.txt")), "\(name)")
            #expect(signed.stringToSign == (try test.expected("header-string-to-sign.txt")), "\(name)")
            #expect(signed.signature == (try test.expected("header-signature.txt")), "\(name)")
            let authorization = signed.headers.first { $0.name == "Authorization" }?.value ?? ""
            #expect((try test.expected("header-signed-request.txt")).contains("Authorization:" + authorization), "\(name)")
        }
    }

    @Test(.enabled(if: suite != nil, "\(Conformance.missingNote)"))
    func awsSuitePresigning() throws {
        for name in Self.cases {
            let test = try SuiteCase(Self.suite! + "/" + name)
            let signed = test.signer.presign(test.request, date: test.date, expires: test.expires,
                                             payloadHash: SignatureV4.payloadHash(test.body), signsSessionToken: test.signsToken)
            #expect(signed.canonicalRequest == (try test.expected("query-canonical-request.txt")), "\(name)")
            #expect(signed.stringToSign == (try test.expected("query-string-to-sign.txt")), "\(name)")
            #expect(signed.signature == (try test.expected("query-signature.txt")), "\(name)")
            #expect(signed.query.last == .init("X-Amz-Signature", signed.signature))
        }
    }

    @Test func urlsInBothAddressingStyles() {
        let credentials = S3Credentials(accessKey: "AKIDEXAMPLE", secretKey: "secret")
        var aws = S3Target(endpoint: "https://s3.amazonaws.com", bucket: "refs")
        aws.region = "eu-west-1"
        #expect(aws.addressing == .virtualHost)
        #expect(S3Publisher(target: aws, credentials: credentials).objectURL("imagepipe/a b.jpg")
            == "https://refs.s3.eu-west-1.amazonaws.com/imagepipe/a%20b.jpg")
        let template = S3Target(endpoint: "https://{bucket}.storage.example.com", bucket: "refs")
        #expect(S3Publisher(target: template, credentials: credentials).objectURL("k") == "https://refs.storage.example.com/k")
        let dotted = S3Target(endpoint: "https://s3.amazonaws.com", bucket: "my.refs")
        #expect(dotted.addressing == .path)
        let local = S3Target(endpoint: "http://127.0.0.1:9000", bucket: "refs")
        #expect(S3Publisher(target: local, credentials: credentials).objectURL("k") == "http://127.0.0.1:9000/refs/k")
        // A presigned URL carries the session token, signed.
        let session = S3Publisher(target: aws, credentials: S3Credentials(accessKey: "ASIAEXAMPLE", secretKey: "s", sessionToken: "tok/en="))
        let url = session.presignedGET(key: "k", now: Date(timeIntervalSince1970: 1_440_938_160))
        #expect(url.hasPrefix("https://refs.s3.eu-west-1.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAEXAMPLE%2F20150830%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=3600&X-Amz-Security-Token=tok%2Fen%3D&X-Amz-SignedHeaders=host&X-Amz-Signature="))
    }
}

/// A real S3 server: moto, in one Python process on 127.0.0.1, on a port it picks itself (0) and prints.
/// With `enforcingAuth`, every request after moto's set-up must be signed with an IAM user's key (moto
/// checks signatures only when `INITIAL_NO_AUTH_ACTION_COUNT` is set: the set-up's five IAM calls go
/// unchecked, everything after is checked); the user also gets temporary credentials (a session token)
/// from STS. moto answers presigned GETs with a 500 when it enforces authentication (it looks for an
/// Authorization header they do not have), so a run whose service fetches presigned URLs needs it open.
struct Moto {
    let process: Process
    let endpoint: String
    let user: S3Credentials
    let session: S3Credentials?

    static var available: Bool { which("python3") != nil && (which("moto_server") != nil || ProcessInfo.processInfo.environment["CI"] != nil) }

    static func which(_ tool: String) -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(directory)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    static let script = """
        import json, os, sys, time
        enforce = sys.argv[1] == "enforce"
        os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "5" if enforce else "inf"
        import boto3
        from moto.server import ThreadedMotoServer
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        out = {"endpoint": endpoint, "access": "testing", "secret": "testing"}
        if enforce:
            setup = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="setup", aws_secret_access_key="setup")
            iam = boto3.client("iam", **setup)
            policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:*", "sts:AssumeRole"], "Resource": "*"}]})
            user = iam.create_user(UserName="imagepipe")["User"]
            iam.put_user_policy(UserName="imagepipe", PolicyName="publish", PolicyDocument=policy)
            key = iam.create_access_key(UserName="imagepipe")["AccessKey"]
            trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": user["Arn"]}, "Action": "sts:AssumeRole"}]})
            role = iam.create_role(RoleName="publisher", AssumeRolePolicyDocument=trust)["Role"]
            iam.put_role_policy(RoleName="publisher", PolicyName="publish", PolicyDocument=policy)
            sts = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
            session = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="imagepipe")["Credentials"]
            out.update(access=key["AccessKeyId"], secret=key["SecretAccessKey"], sessionAccess=session["AccessKeyId"],
                       sessionSecret=session["SecretAccessKey"], sessionToken=session["SessionToken"])
        print(json.dumps(out), flush=True)
        time.sleep(600)
        """

    static func start(enforcingAuth: Bool) throws -> Moto {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(which("python3")))
        process.arguments = ["-c", script, enforcingAuth ? "enforce" : "open"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var text = ""
        while !text.contains("\n") {
            let data = out.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        guard let line = text.split(separator: "\n").first,
            let facts = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String], let endpoint = facts["endpoint"]
        else {
            kill(process.processIdentifier, SIGKILL)
            throw POSIXError(.EIO)
        }
        let session = facts["sessionAccess"].map {
            S3Credentials(accessKey: $0, secretKey: facts["sessionSecret"]!, sessionToken: facts["sessionToken"])
        }
        return Moto(process: process, endpoint: endpoint, user: S3Credentials(accessKey: facts["access"]!, secretKey: facts["secret"]!),
                    session: session)
    }

    /// moto's server ignores SIGTERM.
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

@Suite struct S3PublishingTests {
    static let needsMoto = Testing.ConditionTrait.enabled(if: Moto.available, "moto_server is not installed (pip install 'moto[server]')")

    func reference() throws -> String {
        let directory = NSTemporaryDirectory() + "imagepipe-s3-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var pixels = [UInt8]()
        for y in 0..<40 { for x in 0..<60 { pixels += [UInt8(x * 4), UInt8(y * 6), 120] } }
        try ImageEncoder.write(PixelBuffer(width: 60, height: 40, layout: .rgb, pixels: pixels), to: directory + "/shoe.jpg")
        return directory + "/shoe.jpg"
    }

    /// With signatures checked: the right key publishes, a wrong secret is refused.
    @Test(needsMoto) func signaturesAreCheckedByTheServer() async throws {
        let moto = try Moto.start(enforcingAuth: true)
        defer { moto.stop() }
        let target = S3Target(endpoint: moto.endpoint, bucket: "refs")
        try await S3Publisher(target: target, credentials: moto.user).createBucket()
        let url = try await S3Publisher(target: target, credentials: moto.user).publish(try reference())
        #expect(url.hasPrefix(moto.endpoint + "/refs/imagepipe/") && url.contains("X-Amz-Signature="))
        let wrong = S3Credentials(accessKey: moto.user.accessKey, secretKey: moto.user.secretKey + "x")
        await #expect(throws: S3Error.request(url: target.endpoint + "/refs", status: 403, body: "SignatureDoesNotMatch")) {
            try await S3Publisher(target: target, credentials: wrong).createBucket()
        }
    }

    /// Temporary credentials work with their session token, and are refused without it.
    @Test(needsMoto) func sessionTokensAreSent() async throws {
        let moto = try Moto.start(enforcingAuth: true)
        defer { moto.stop() }
        let session = try #require(moto.session)
        let target = S3Target(endpoint: moto.endpoint, bucket: "session-refs")
        try await S3Publisher(target: target, credentials: session).createBucket()
        _ = try await S3Publisher(target: target, credentials: session).publish(try reference())
        let tokenless = S3Credentials(accessKey: session.accessKey, secretKey: session.secretKey)
        await #expect(throws: S3Error.self) { try await S3Publisher(target: target, credentials: tokenless).createBucket() }
        #expect(try S3Credentials.fromEnvironment(["AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b", "AWS_SESSION_TOKEN": "t"]).sessionToken == "t")
    }

    /// The whole pipeline through the built binary, its environment passed explicitly (no setenv in a
    /// process where tests run in parallel): references published to S3, fetched by the simulator
    /// through their presigned URLs (hence moto open: see `Moto`).
    @Test(needsMoto) func imageToImageThroughPresignedURLs() async throws {
        let moto = try Moto.start(enforcingAuth: false)
        defer { moto.stop() }
        try await S3Publisher(target: S3Target(endpoint: moto.endpoint, bucket: "refs"), credentials: moto.user).createBucket()
        let reference = try reference()
        let directory = (reference as NSString).deletingLastPathComponent
        let pipeline = directory + "/s3.pipe"
        try """
            pipeline s3-refs
            input \(reference)
            publish s3 bucket refs endpoint \(moto.endpoint)
            generate model gpt-image-2-image-to-image prompt "on marble"
            verify
            output \(directory)/out
            """.write(toFile: pipeline, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["run", pipeline]
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["AWS_ACCESS_KEY_ID": moto.user.accessKey, "AWS_SECRET_ACCESS_KEY": moto.user.secretKey]) { $1 }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(stdout)")
        #expect(stdout.contains("1 of 1 done"))
    }

    static let binary: String = {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundle, bundle.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("imagepipe").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/imagepipe").path
    }()
}

/// The conformance data beside the checkout (or $IMAGEPIPE_TESTDATA).
enum Conformance {
    static let testdata: String? = {
        if let explicit = ProcessInfo.processInfo.environment["IMAGEPIPE_TESTDATA"] { return explicit }
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidate = package.deletingLastPathComponent().appendingPathComponent("shared/testdata").path
        return FileManager.default.fileExists(atPath: candidate) ? candidate : nil
    }()

    static let missingNote = "../shared/testdata is absent: the AWS Signature V4 suite is skipped"
}
