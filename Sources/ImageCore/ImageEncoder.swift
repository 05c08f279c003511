/// Encodes a `PixelBuffer` as JPEG, PNG or WebP, keeping alpha where the format can and carrying an
/// ICC profile over, and writes files atomically.
public enum ImageEncoder {
    /// The encoded bytes, with `metadata`'s EXIF, XMP and IPTC when given. `path` only names the output
    /// in errors.
    public static func encode(
        _ pixels: PixelBuffer, as format: ImageFormat, options: EncodeOptions = EncodeOptions(),
        iccProfile: [UInt8]? = nil, metadata: ImageMetadata? = nil, path: String = "<memory>"
    ) throws -> [UInt8] {
        let bytes = try encodePixels(pixels, as: format, options: options, iccProfile: iccProfile, path: path)
        guard let metadata, metadata.exif != nil || metadata.xmp != nil || metadata.iptc != nil else { return bytes }
        return try MetadataWriter.embed(metadata, into: bytes, path: path)
    }

    private static func encodePixels(
        _ pixels: PixelBuffer, as format: ImageFormat, options: EncodeOptions, iccProfile: [UInt8]?, path: String
    ) throws -> [UInt8] {
        try options.validate(path: path)
        switch format {
        case .jpeg:
            let flat = pixels.converted(to: pixels.layout.isColor ? .rgb : .grey, background: options.background)
            return try LibJPEG.encode(
                flat.pixels, width: flat.width, height: flat.height, channels: flat.layout.channels,
                quality: options.quality, progressive: options.progressive, icc: iccProfile, comment: options.comment,
                path: path)
        case .png:
            return try LibPNG.encode(pixels, level: options.compressionLevel, icc: iccProfile, comment: options.comment, path: path)
        case .webp:
            return try LibWebP.encode(
                pixels, quality: options.quality, lossless: options.lossless, icc: iccProfile, path: path)
        }
    }

    /// Encodes in the format `path`'s extension names and writes it atomically: a failure at any point
    /// leaves no file at `path` (and an existing one untouched).
    public static func write(
        _ pixels: PixelBuffer, to path: String, options: EncodeOptions = EncodeOptions(), iccProfile: [UInt8]? = nil,
        metadata: ImageMetadata? = nil
    ) throws {
        let ext = path.split(separator: "/").last.flatMap { name in
            name.contains(".") ? name.split(separator: ".").last.map(String.init) : nil
        } ?? ""
        guard let format = ImageFormat(fileExtension: ext) else {
            throw EncodeError.unsupportedExtension(path: path, fileExtension: ext)
        }
        let bytes = try encode(pixels, as: format, options: options, iccProfile: iccProfile, metadata: metadata, path: path)
        try AtomicFile.write(bytes, to: path)
    }
}
