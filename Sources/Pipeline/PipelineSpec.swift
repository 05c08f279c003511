import ImageCore
import VicSee

/// A pipeline as values: what the DSL parses into and what Swift code can build directly. Each step
/// has a canonical text (its normalized options), which keys the journal: a changed prompt changes the
/// generate step's text, so only what it affects is done again.
public struct PipelineSpec: Sendable, Equatable {
    public var name: String = "pipeline"
    /// Glob patterns (or files, or folders) of reference images; empty for text-to-image.
    public var inputs: [String] = []
    /// Names of text-to-image items, substituted for {name} in the prompt.
    public var items: [String] = []
    public var check: CheckStep?
    public var aspect: AspectStep?
    public var generate: GenerateStep?
    public var publish: PublishStep = .loopback
    public var verify: VerifyStep?
    public var thumbnail: ThumbnailStep?
    /// Where outputs, thumbnails, the journal and the report go.
    public var output: String?

    public init() {}

    public var outputDirectory: String { output ?? "out/\(name)" }
}

public enum OversizePolicy: String, Sendable, CaseIterable {
    case fail, skip, shrink
}

public struct CheckStep: Sendable, Equatable {
    public var formats: [ImageFormat] = [.jpeg, .png, .webp]
    public var maxBytes = ImageLimits.referenceBytes
    public var maxPixels = ImageLimits.defaultPixels
    public var oversize: OversizePolicy = .fail

    public init() {}

    public var canonical: String {
        "check formats=\(formats.map(\.rawValue).sorted().joined(separator: ",")) max-bytes=\(maxBytes) max-pixels=\(maxPixels) oversize=\(oversize.rawValue)"
    }
}

public enum AspectMode: String, Sendable, CaseIterable {
    /// Infer and report the nearest ratio; send the reference as it is.
    case report
    /// Crop the reference (centred) to exactly the chosen ratio.
    case crop
    /// Pad the reference to exactly the chosen ratio.
    case pad
}

public struct AspectStep: Sendable, Equatable {
    public var mode: AspectMode = .report
    public init(mode: AspectMode = .report) { self.mode = mode }
    public var canonical: String { "aspect \(mode.rawValue)" }
}

/// Which aspect ratio a generation asks for.
public enum GenerateAspect: Sendable, Equatable, CustomStringConvertible {
    /// The nearest ratio the model supports to the reference's upright ratio (1:1 without one).
    case inferred
    case auto
    case fixed(AspectRatio)

    public var description: String {
        switch self {
        case .inferred: "inferred"
        case .auto: "auto"
        case .fixed(let ratio): ratio.description
        }
    }
}

public struct GenerateStep: Sendable, Equatable {
    public var model: String
    /// A template: {name} is the item's name (a reference's file name without extension).
    public var prompt: String
    public var resolution: ResolutionTier = .oneK
    public var aspect: GenerateAspect = .inferred
    /// References sent with each request (image-to-image).
    public var referencesPerRequest = 1
    /// Generations in flight at once.
    public var concurrency = 2

    public init(model: String, prompt: String) {
        self.model = model
        self.prompt = prompt
    }

    public var canonical: String {
        "generate model=\(model) prompt=\(prompt.debugDescription) resolution=\(resolution.rawValue) aspect=\(aspect) references=\(referencesPerRequest)"
    }

    public func prompt(for name: String) -> String { prompt.replacingOccurrences(of: "{name}", with: name) }
}

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

public enum PublishStep: Sendable, Equatable {
    /// imagepipe serves the references on 127.0.0.1 (the simulator only).
    case loopback
    /// The references are already hosted under this URL.
    case baseURL(String)
    case s3(S3Target)
}

public struct VerifyStep: Sendable, Equatable {
    /// Model, tier and ratio to check sizes against; taken from the generate step when absent.
    public var model: String?
    public var resolution: ResolutionTier?
    public var aspect: AspectChoice?
    /// Relative size tolerance (0.02 = 2 %).
    public var tolerance: Double = 0
    /// Accept single-colour images (a safety filter's blank answer fails otherwise).
    public var allowBlank = false

    public init() {}
}

public struct ThumbnailStep: Sendable, Equatable {
    public var options = ThumbnailOptions.size(256)
    /// Folder under the output folder.
    public var directory = "thumbs"

    public init() {}

    public var canonical: String {
        let o = options
        return "thumbnail width=\(o.width ?? 0) height=\(o.height ?? 0) fit=\(o.fit.rawValue) format=\(o.format?.rawValue ?? "keep") quality=\(o.quality) dir=\(directory)"
    }
}
