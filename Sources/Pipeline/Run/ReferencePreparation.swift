import ImageCore
import VicSee

/// Why a reference could not be made ready to send.
enum PreparationError: Error, CustomStringConvertible {
    case cannotShrink(path: String, bytes: Int, limit: Int)
    case cannotCreate(folder: String)

    var description: String {
        switch self {
        case .cannotShrink(let path, let bytes, let limit): "\(path): still \(bytes) bytes after shrinking; the limit is \(limit)"
        case .cannotCreate(let folder): "\(folder): cannot create the folder for derived references"
        }
    }
}

/// Applies the reference changes the check and aspect steps recorded, in order, writing the derived copy
/// in `.work/` (the original is never touched). The copy is named by the item's key, which covers the
/// input's bytes and those steps' options, so a copy already made for the same key is used as it is.
enum ReferencePreparation {
    /// How many times shrinking tries a smaller size to get under the byte limit.
    static let shrinkAttempts = 8

    static func prepare(_ input: String, transforms: [ReferenceTransform], key: String, in work: String) throws -> String {
        guard !transforms.isEmpty else { return input }
        guard AtomicFile.makeDirectories(work) else { throw PreparationError.cannotCreate(folder: work) }
        var source = input
        for (index, transform) in transforms.enumerated() {
            let ext = if case .shrink = transform { "jpg" } else { "png" }
            let path = "\(work)/\(key.prefix(24))-\(index).\(ext)"
            if OutputFile.fingerprint(path) == nil { try apply(transform, from: source, to: path) }
            source = path
        }
        return source
    }

    private static func apply(_ transform: ReferenceTransform, from source: String, to path: String) throws {
        let info = try ImageProbe.probe(path: source, limits: ImageLimits(maxBytes: nil, maxPixels: nil))
        var options = ThumbnailOptions()
        options.limits = ImageLimits(maxBytes: nil, maxPixels: nil)
        switch transform {
        case .shrink(let maxBytes, let maxPixels):
            options.format = .jpeg
            options.quality = 90
            var scale = min(1, (Double(maxPixels) / Double(info.pixelCount)).squareRoot())
            for _ in 0..<shrinkAttempts {
                options.width = max(1, Int(Double(info.width) * scale))
                options.height = max(1, Int(Double(info.height) * scale))
                let written = try Thumbnailer.write(input: source, to: path, options: options)
                if written.bytes <= maxBytes { return }
                scale *= 0.8
            }
            throw PreparationError.cannotShrink(path: source, bytes: OutputFile.fingerprint(path)?.bytes ?? 0, limit: maxBytes)
        case .crop(let ratio):
            try reframe(source, to: path, info: info, ratio: ratio, fit: .cover, options: options)
        case .pad(let ratio):
            try reframe(source, to: path, info: info, ratio: ratio, fit: .pad, options: options)
        }
    }

    /// Crops (`cover`: the shorter of the two sides the ratio allows) or pads (`pad`: the longer) to
    /// exactly `ratio`.
    private static func reframe(_ source: String, to path: String, info: ImageInfo, ratio: AspectRatio, fit: ThumbnailFit,
                                options: ThumbnailOptions) throws {
        let byHeight: Double = Double(info.height) * ratio.value
        let width: Double = fit == .cover ? Swift.min(Double(info.width), byHeight) : Swift.max(Double(info.width), byHeight)
        var options = options
        options.format = .png
        options.width = Swift.max(1, Int(width.rounded()))
        options.height = Swift.max(1, Int((width / ratio.value).rounded()))
        options.fit = fit
        try Thumbnailer.write(input: source, to: path, options: options)
    }
}
