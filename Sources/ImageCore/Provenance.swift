/// Marks generated images as AI-made, in the IPTC digital-source-type vocabulary, without re-encoding
/// them: the lead's pipeline calls this on each downloaded output before saving it.
public enum Provenance {
    /// What `mark` did.
    public enum Marking: Sendable, Equatable {
        /// An XMP packet naming the type was added (or merged into the file's own XMP).
        case added(DigitalSourceType)
        /// The file's XMP already names a digital source type; it is left as it is.
        case alreadyMarked(DigitalSourceType)
        /// The file carries a C2PA manifest, whose hash binding covers the file's bytes: adding XMP would
        /// make the signed record fail validation, so the file is left untouched. `declared` is the type
        /// the manifest itself names, if any.
        case keptManifest(declared: DigitalSourceType?)
    }

    /// `bytes` (a JPEG, PNG or WebP file) with `type` recorded in its XMP, and what was done.
    public static func mark(_ bytes: [UInt8], as type: DigitalSourceType, path: String) throws -> (bytes: [UInt8], marking: Marking) {
        let metadata = try ImageMetadata.read(bytes: bytes, path: path)
        if let found = metadata.digitalSourceType, found.origin == .xmp { return (bytes, .alreadyMarked(found.type)) }
        if metadata.c2pa != nil { return (bytes, .keptManifest(declared: metadata.digitalSourceType?.type)) }
        var updated = metadata
        updated.xmp = XMPPacket.adding(type, to: metadata.xmp)
        updated.c2pa = nil
        return (try MetadataWriter.embed(updated, into: bytes, path: path), .added(type))
    }

    /// Marks the file at `path` in place, atomically (a failure leaves it as it was).
    @discardableResult
    public static func mark(fileAt path: String, as type: DigitalSourceType) throws -> Marking {
        let (bytes, marking) = try mark(FileBytes.read(path, maxBytes: nil), as: type, path: path)
        if case .added = marking { try AtomicFile.write(bytes, to: path) }
        return marking
    }
}
