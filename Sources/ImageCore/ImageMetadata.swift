/// The metadata a file carries besides its pixels and ICC profile: EXIF, XMP, IPTC, and whether a C2PA
/// manifest (a signed provenance record) is present. Read from JPEG segments, PNG chunks or WebP chunks;
/// written back by `MetadataWriter`.
public struct ImageMetadata: Sendable, Equatable {
    /// The EXIF TIFF structure (starting "II*\0" or "MM\0*"), without JPEG's "Exif\0\0" prefix.
    public var exif: [UInt8]?
    /// The XMP packet, as text.
    public var xmp: String?
    /// IPTC-IIM records (what Photoshop keeps in its resource 0x0404).
    public var iptc: [UInt8]?
    /// The C2PA manifest store's bytes as found (JPEG APP11 payloads, PNG `caBX`, WebP `C2PA`). Reported
    /// and kept when a file is not re-encoded; a re-encoded file cannot keep it (its hashes would lie).
    public var c2pa: [UInt8]?

    public init(exif: [UInt8]? = nil, xmp: String? = nil, iptc: [UInt8]? = nil, c2pa: [UInt8]? = nil) {
        self.exif = exif
        self.xmp = xmp
        self.iptc = iptc
        self.c2pa = c2pa
    }

    /// Where a digital source type was found.
    public enum SourceTypeOrigin: String, Sendable, Codable {
        case xmp
        case c2pa
    }

    /// How the image was made, from XMP (`Iptc4xmpExt:DigitalSourceType`) or else from the C2PA
    /// manifest's actions; nil when neither says.
    public var digitalSourceType: (type: DigitalSourceType, origin: SourceTypeOrigin)? {
        if let xmp, let type = DigitalSourceType.find(in: xmp.utf8) { return (type, .xmp) }
        if let c2pa, let type = DigitalSourceType.find(in: c2pa) { return (type, .c2pa) }
        return nil
    }

    public var isEmpty: Bool { exif == nil && xmp == nil && iptc == nil && c2pa == nil }

    /// The metadata of the file at `path`, reading only the metadata's own bytes (JPEG segments before
    /// the image data, PNG and WebP chunk headers and the metadata chunks).
    public static func read(path: String) throws(ProbeError) -> ImageMetadata {
        let source = try ByteSource(path: path)
        defer { source.close() }
        return try read(source)
    }

    /// The metadata of a file already in memory; `path` names it in errors.
    public static func read(bytes: [UInt8], path: String) throws(ProbeError) -> ImageMetadata {
        try read(ByteSource(path: path, memory: bytes))
    }

    static func read(_ source: ByteSource) throws(ProbeError) -> ImageMetadata {
        guard source.size > 0 else { throw .empty(path: source.path) }
        let head = try source.bytes(at: 0, count: 16)
        switch ImageFormat.detect(head) {
        case .jpeg: return try MetadataReader.jpeg(source)
        case .png: return try MetadataReader.png(source)
        case .webp: return try MetadataReader.webp(source)
        case nil: throw .notAnImage(path: source.path, leadingBytes: head, guess: ImageFormat.describeForeign(head))
        }
    }
}
