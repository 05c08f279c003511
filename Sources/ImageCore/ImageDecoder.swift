/// Decodes JPEG, PNG and WebP files into one `PixelBuffer` type, in a fixed order: read the header,
/// check the limits (before any pixel buffer exists), decode with the strictness asked for, then turn
/// the picture upright.
public enum ImageDecoder {
    /// Decodes the file at `path`. Throws a `ProbeError` for an unreadable, empty, foreign or oversized
    /// file and a `DecodeError` for damaged pixel data; both print as "path: reason".
    public static func decode(path: String, options: DecodeOptions = DecodeOptions()) throws -> DecodedImage {
        try decode(bytes: FileBytes.read(path, maxBytes: options.limits.maxBytes), path: path, options: options)
    }

    /// Decodes a file already in memory; `path` names it in errors.
    public static func decode(bytes: [UInt8], path: String, options: DecodeOptions = DecodeOptions()) throws -> DecodedImage {
        let info = try ImageProbe.probe(bytes: bytes, path: path, limits: options.limits)
        let orient = options.applyOrientation && info.orientation != .up
        // Turning the picture upright copies it: the decoder gets the budget less that copy.
        let limit = options.limits.memoryLimit
        let copy = orient ? uprightCopyBytes(info) : 0
        let raw: RawDecode
        do {
            guard copy < limit else { throw DecodeError.tooMuchMemory(path: path, bytes: 0, limit: limit - copy) }
            switch info.format {
            case .jpeg: raw = try LibJPEG.decode(bytes, path: path, failOn: options.failOn, memoryLimit: limit - copy)
            case .png: raw = try LibPNG.decode(bytes, path: path, failOn: options.failOn, memoryLimit: limit - copy)
            case .webp: raw = try LibWebP.decode(bytes, path: path, failOn: options.failOn, info: info, memoryLimit: limit - copy)
            }
        } catch DecodeError.tooMuchMemory(let path, let bytes, _) {
            throw DecodeError.tooMuchMemory(path: path, bytes: bytes + copy, limit: limit)
        }
        return DecodedImage(
            pixels: orient ? raw.pixels.oriented(info.orientation) : raw.pixels, info: info,
            iccProfile: raw.iccProfile, orientationApplied: orient, warnings: raw.warnings)
    }

    /// Decodes every pixel of the file at `path` with the same strictness, checks and errors as
    /// `decode`, but keeps no picture: rows are decoded into a small band and dropped (see `ImageLimits`
    /// for what each format still holds). For commands that only need to know whether a file is whole.
    public static func check(path: String, options: DecodeOptions = DecodeOptions()) throws -> DecodeCheck {
        try check(bytes: FileBytes.read(path, maxBytes: options.limits.maxBytes), path: path, options: options)
    }

    /// `check(path:options:)` for a file already in memory; `path` names it in errors.
    public static func check(bytes: [UInt8], path: String, options: DecodeOptions = DecodeOptions()) throws -> DecodeCheck {
        let info = try ImageProbe.probe(bytes: bytes, path: path, limits: options.limits)
        let limit = options.limits.memoryLimit
        let warnings: [String] =
            switch info.format {
            case .jpeg: try LibJPEG.check(bytes, path: path, failOn: options.failOn, memoryLimit: limit)
            case .png: try LibPNG.check(bytes, path: path, failOn: options.failOn, memoryLimit: limit)
            case .webp: try LibWebP.check(bytes, path: path, failOn: options.failOn, info: info, memoryLimit: limit)
            }
        return DecodeCheck(info: info, warnings: warnings)
    }

    /// The bytes of the upright copy of the decoded picture: grey stays grey, colour becomes RGB, with
    /// alpha when the file has it.
    static func uprightCopyBytes(_ info: ImageInfo) -> Int {
        info.pixelCount * ((info.colorModel == .grey ? 1 : 3) + (info.hasAlpha ? 1 : 0))
    }
}

/// What a full decode that kept no picture found: the header's facts and the warnings the policy let through.
public struct DecodeCheck: Sendable, Equatable {
    public var info: ImageInfo
    public var warnings: [String]
}
