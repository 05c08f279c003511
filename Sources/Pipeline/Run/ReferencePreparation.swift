import ErrorVocabulary
import ImageCore
import VicSee

/// Why a reference could not be made ready to send.
enum PreparationError: SubjectError {
    case cannotShrink(path: String, bytes: Int, limit: Int)
    case cannotCreate(folder: String)

    var subject: String {
        switch self {
        case .cannotShrink(let path, _, _): path
        case .cannotCreate(let folder): folder
        }
    }

    var reason: String {
        switch self {
        case .cannotShrink(_, let bytes, let limit): "still \(bytes) bytes after shrinking; the limit is \(limit)"
        case .cannotCreate: "cannot create the folder for derived references"
        }
    }
}

/// Applies the reference changes the check and aspect steps recorded, writing the derived copy in
/// `.work/` (the original is never touched): crops and pads in order, then the shrink, last, so that
/// what is sent is within the limits whatever the crop or pad made of it (a shrink of a reference
/// already within them changes nothing). The copy is named by the item's key, which covers the input's
/// bytes and those steps' options, so a copy already made for the same key is used as it is.
enum ReferencePreparation {
    /// How many times shrinking tries a smaller size to get under the byte limit.
    static let shrinkAttempts = 8

    static func prepare(_ input: String, transforms: [ReferenceTransform], key: String, in work: String) throws -> String {
        guard !transforms.isEmpty else { return input }
        guard AtomicFile.makeDirectories(work) else { throw PreparationError.cannotCreate(folder: work) }
        let ordered = transforms.filter { !$0.isShrink } + transforms.filter(\.isShrink)
        var source = input
        for (index, transform) in ordered.enumerated() {
            let path = "\(work)/\(key.prefix(24))-\(index).\(transform.isShrink ? "jpg" : "png")"
            if OutputFile.fingerprint(path) != nil {
                source = path
            } else {
                source = try apply(transform, from: source, to: path)
            }
        }
        return source
    }

    /// The size of a `width` × `height` reference after a crop or pad to a ratio (the same sums `apply` makes).
    static func size(of size: PixelSize, after transform: ReferenceTransform?) -> PixelSize {
        let (width, height) = (Double(size.width), Double(size.height))
        let framed: Double
        let ratio: AspectRatio
        switch transform {
        case .crop(let target)?: (framed, ratio) = (min(width, height * target.value), target)
        case .pad(let target)?: (framed, ratio) = (max(width, height * target.value), target)
        case .shrink?, nil: return size
        }
        return PixelSize(width: max(1, Int(framed.rounded())), height: max(1, Int((framed / ratio.value).rounded())))
    }

    /// Writes `transform` of `source` to `path` and returns the file to go on with: `path`, or `source`
    /// itself for a shrink it is already small enough for.
    private static func apply(_ transform: ReferenceTransform, from source: String, to path: String) throws -> String {
        let info = try ImageProbe.probe(path: source, limits: ImageLimits(maxBytes: nil, maxPixels: nil))
        var options = ThumbnailOptions()
        options.limits = ImageLimits(maxBytes: nil, maxPixels: nil)
        switch transform {
        case .shrink(let maxBytes, let maxPixels):
            if info.bytes <= maxBytes && info.pixelCount <= maxPixels { return source }
            options.format = .jpeg
            options.quality = 90
            var scale = min(1, (Double(maxPixels) / Double(info.pixelCount)).squareRoot())
            for _ in 0..<shrinkAttempts {
                options.width = max(1, Int(Double(info.width) * scale))
                options.height = max(1, Int(Double(info.height) * scale))
                let written = try Thumbnailer.write(input: source, to: path, options: options)
                if written.bytes <= maxBytes { return path }
                scale *= 0.8
            }
            throw PreparationError.cannotShrink(path: source, bytes: OutputFile.fingerprint(path)?.bytes ?? 0, limit: maxBytes)
        case .crop, .pad:
            let framed = size(of: PixelSize(width: info.width, height: info.height), after: transform)
            options.format = .png
            options.width = framed.width
            options.height = framed.height
            if case .crop = transform { options.fit = .cover } else { options.fit = .pad }
            try Thumbnailer.write(input: source, to: path, options: options)
            return path
        }
    }
}

extension ReferenceTransform {
    var isShrink: Bool {
        if case .shrink = self { return true }
        return false
    }
}
