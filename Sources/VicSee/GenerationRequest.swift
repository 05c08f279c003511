import ErrorVocabulary

/// One generation, as a user asks for it: checked against the catalogue before any credit is spent.
public struct GenerationRequest: Sendable, Equatable {
    public var model: String
    public var prompt: String
    /// URLs the service fetches the references from (image-to-image).
    public var imageURLs: [String]
    public var resolution: ResolutionTier
    public var aspect: AspectChoice
    /// Byte sizes of the references where known (local files), to check the per-reference limit.
    public var referenceBytes: [Int]
    /// Upright pixel sizes of the references where known (local files), to check the service's ratio
    /// and megapixel limits.
    public var referenceSizes: [PixelSize]

    public init(model: String, prompt: String, imageURLs: [String] = [], resolution: ResolutionTier = .oneK,
                aspect: AspectChoice = .auto, referenceBytes: [Int] = [], referenceSizes: [PixelSize] = []) {
        self.model = model
        self.prompt = prompt
        self.imageURLs = imageURLs
        self.resolution = resolution
        self.aspect = aspect
        self.referenceBytes = referenceBytes
        self.referenceSizes = referenceSizes
    }

    /// The model's spec if the request keeps every rule of the catalogue; otherwise the first broken rule,
    /// worded as what to change.
    public func validate(against catalogue: ModelCatalogue) throws(RequestError) -> ModelSpec {
        guard let spec = catalogue.model(model) else {
            throw .unknownModel(model: model, suggestion: catalogue.suggestion(for: model))
        }
        let length = prompt.count
        if length < spec.prompt.min || length > spec.prompt.max {
            throw .promptLength(model: model, length: length, min: spec.prompt.min, max: spec.prompt.max)
        }
        if !spec.aspectRatios.contains(aspect.description) {
            throw .unsupportedAspect(model: model, aspect: aspect.description, supported: spec.aspectRatios)
        }
        if !spec.resolutions.contains(resolution) {
            throw .unsupportedResolution(model: model, resolution: resolution, supported: spec.resolutions)
        }
        if let rule = spec.constraints.first(where: { $0.aspectRatio == aspect.description }),
            !rule.resolutions.contains(resolution)
        {
            throw .constraint(model: model, aspect: aspect.description, resolution: resolution,
                              allowed: rule.resolutions, reason: rule.reason)
        }
        if imageURLs.count < spec.references.min {
            throw .missingReferences(model: model, required: spec.references.min)
        }
        if imageURLs.count > spec.references.max {
            throw .tooManyReferences(model: model, count: imageURLs.count, max: spec.references.max)
        }
        if let index = referenceBytes.firstIndex(where: { $0 > spec.references.maxBytes }) {
            throw .referenceTooLarge(index: index, bytes: referenceBytes[index], max: spec.references.maxBytes)
        }
        for (index, size) in referenceSizes.enumerated() {
            if let violation = spec.references.violations(width: size.width, height: size.height, bytes: nil).first {
                throw .referenceRefused(index: index, violation)
            }
        }
        return spec
    }
}

/// A request broken before it was sent: each message says what to change.
public enum RequestError: SubjectError, Equatable {
    case unknownModel(model: String, suggestion: String?)
    case promptLength(model: String, length: Int, min: Int, max: Int)
    case unsupportedAspect(model: String, aspect: String, supported: [String])
    case unsupportedResolution(model: String, resolution: ResolutionTier, supported: [ResolutionTier])
    case constraint(model: String, aspect: String, resolution: ResolutionTier, allowed: [ResolutionTier], reason: String)
    case missingReferences(model: String, required: Int)
    case tooManyReferences(model: String, count: Int, max: Int)
    case referenceTooLarge(index: Int, bytes: Int, max: Int)
    /// Outside the service's ratio or megapixel limits for references.
    case referenceRefused(index: Int, ReferenceLimitViolation)

    /// The model the request is for, or the reference that is too large.
    public var subject: String {
        switch self {
        case .unknownModel(let model, _), .promptLength(let model, _, _, _), .unsupportedAspect(let model, _, _),
             .unsupportedResolution(let model, _, _), .constraint(let model, _, _, _, _), .missingReferences(let model, _),
             .tooManyReferences(let model, _, _):
            model
        case .referenceTooLarge(let index, _, _), .referenceRefused(let index, _): "reference \(index + 1)"
        }
    }

    public var reason: String {
        switch self {
        case .unknownModel(_, let suggestion):
            "unknown model" + (suggestion.map { "; did you mean '\($0)'? (imagepipe models lists them)" } ?? "")
        case .promptLength(_, let length, let min, let max):
            "the prompt has \(length) characters; this model takes \(min) to \(max)"
        case .unsupportedAspect(_, let aspect, let supported):
            "does not support aspect ratio \(aspect); use one of \(supported.joined(separator: ", "))"
        case .unsupportedResolution(_, let resolution, let supported):
            "does not offer \(resolution.rawValue); use \(supported.map(\.rawValue).joined(separator: " or "))"
        case .constraint(_, let aspect, let resolution, let allowed, let reason):
            "\(reason): aspect ratio \(aspect) at \(resolution.rawValue) is refused; use \(allowed.map(\.rawValue).joined(separator: " or ")) or another ratio"
        case .missingReferences(_, let required):
            "edits images: give at least \(required) reference\(required == 1 ? "" : "s") (--ref)"
        case .tooManyReferences(_, let count, let max):
            max == 0 ? "takes no references; use an image-to-image model" : "\(count) references; this model takes at most \(max)"
        case .referenceTooLarge(_, let bytes, let max):
            "\(bytes) bytes; the service takes at most \(max) bytes (shrink it first)"
        case .referenceRefused(_, let violation):
            switch violation {
            case .ratio: "\(violation); crop or pad it into that range first"
            case .megapixels, .bytes: "\(violation); shrink it first"
            }
        }
    }
}
