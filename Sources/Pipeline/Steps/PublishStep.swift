/// S3-compatible storage for references: uploaded with Signature V4, fetched through presigned URLs.
public struct S3Target: Sendable, Equatable {
    public var endpoint: String
    public var bucket: String
    public var region: String = "us-east-1"
    public var prefix: String = "imagepipe/"
    /// Seconds a presigned URL stays valid.
    public var expires = 3600

    public init(endpoint: String, bucket: String) {
        self.endpoint = endpoint
        self.bucket = bucket
    }
}

/// `publish`: how local references reach the service. One way per pipeline: `upload` (the service's own
/// storage: `POST /upload`, then the bytes put to a presigned URL; the default with the real service),
/// `inline` (inside the request as a `data:` URI, for small references), `loopback` (imagepipe serves
/// them on 127.0.0.1: the simulator only, and its default), `base-url URL` (you already host the
/// originals there) or `s3` (uploaded to S3-compatible storage, sent as presigned URLs).
public struct PublishStep: PipelineStep {
    /// The way chosen, as a value.
    public enum Way: Sendable, Equatable {
        case upload
        case inline
        case loopback
        case baseURL(String)
        case s3(S3Target)
    }

    public var upload = false
    public var inline = false
    public var loopback = false
    public var baseURL: String?
    public var s3 = false
    public var bucket: String?
    public var endpoint = "https://s3.amazonaws.com"
    public var region = "us-east-1"
    public var prefix = "imagepipe/"
    public var expires = 3600

    public init() {}

    public init(_ way: Way) {
        switch way {
        case .upload: upload = true
        case .inline: inline = true
        case .loopback: loopback = true
        case .baseURL(let url): baseURL = url
        case .s3(let target):
            s3 = true
            (bucket, endpoint, region, prefix, expires) = (target.bucket, target.endpoint, target.region, target.prefix, target.expires)
        }
    }

    public static let keyword = "publish"
    public static let summary = "How local references reach the service: upload (the default with the real service), inline, loopback (the simulator's default), base-url URL, or s3."
    public static let example = "publish upload"
    public static let defaults = PublishStep()
    public static var options: [StepOption<PublishStep>] {
        [
            .flag("upload", \.upload, help: "Put them in the service's own storage (POST /upload); an upload is reused while it is valid."),
            .flag("inline", \.inline, help: "Send them inside the request as data: URIs (up to the catalogue's inline limit, 3,000,000 bytes; larger: upload)."),
            .flag("loopback", \.loopback, help: "imagepipe serves the references on 127.0.0.1 (the simulator only)."),
            StepOption("base-url", \.baseURL, .url, help: "The originals are already hosted under this URL, keeping their folders."),
            .flag("s3", \.s3, help: "Upload to S3-compatible storage; the service gets presigned URLs."),
            StepOption("bucket", \.bucket, .text("NAME"), help: "S3 bucket (with s3)."),
            StepOption("endpoint", \.endpoint, .url, help: "S3 endpoint (with s3)."),
            StepOption("region", \.region, .text("REGION"), help: "S3 region (with s3)."),
            StepOption("prefix", \.prefix, .text("PREFIX"), help: "Key prefix for uploads (with s3)."),
            StepOption("expires", \.expires, .integer(min: 1, max: 604_800), help: "Seconds a presigned URL stays valid (with s3)."),
        ]
    }

    /// The way chosen; nil when the options do not name exactly one.
    public var way: Way? {
        guard ways == 1 else { return nil }
        if upload { return .upload }
        if inline { return .inline }
        switch (loopback, baseURL, s3) {
        case (true, nil, false): return .loopback
        case (false, let url?, false): return .baseURL(url)
        case (false, nil, true):
            guard let bucket else { return nil }
            var target = S3Target(endpoint: endpoint, bucket: bucket)
            (target.region, target.prefix, target.expires) = (region, prefix, expires)
            return .s3(target)
        default: return nil
        }
    }

    /// How many ways the options name.
    private var ways: Int { [upload, inline, loopback, baseURL != nil, s3].filter { $0 }.count }

    public func problems() -> [OptionProblem] {
        if ways == 0 { return [OptionProblem(option: nil, "'publish' needs one way: upload, inline, loopback, base-url URL or s3 bucket NAME")] }
        if ways > 1 { return [OptionProblem(option: nil, "'publish' takes one way: upload, inline, loopback, base-url URL or s3, not several")] }
        if s3 && bucket == nil { return [OptionProblem(option: "s3", "'publish s3' needs a bucket (bucket NAME)")] }
        let defaults = PublishStep.defaults
        if !s3 {
            let stray = [("bucket", bucket != nil), ("endpoint", endpoint != defaults.endpoint), ("region", region != defaults.region),
                         ("prefix", prefix != defaults.prefix), ("expires", expires != defaults.expires)].first { $0.1 }
            if let stray { return [OptionProblem(option: stray.0, "'\(stray.0)' is an s3 option: add 's3' or remove it")] }
        }
        return []
    }
}
