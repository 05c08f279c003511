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
        let raw: RawDecode
        switch info.format {
        case .jpeg: raw = try LibJPEG.decode(bytes, path: path, failOn: options.failOn)
        case .png: raw = try LibPNG.decode(bytes, path: path, failOn: options.failOn)
        case .webp: raw = try LibWebP.decode(bytes, path: path, failOn: options.failOn, info: info)
        }
        let orient = options.applyOrientation && info.orientation != .up
        return DecodedImage(
            pixels: orient ? raw.pixels.oriented(info.orientation) : raw.pixels, info: info,
            iccProfile: raw.iccProfile, orientationApplied: orient, warnings: raw.warnings)
    }
}
