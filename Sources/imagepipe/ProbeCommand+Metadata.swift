import ImageCore

extension ProbeCommand {
    /// probe's metadata fields: which kinds are present, a C2PA manifest, and the digital source type
    /// (with where it was found), so AI images can be told apart from photos.
    func addMetadata(_ metadata: ImageMetadata, to line: inout JSONLine) {
        line.add("exif", metadata.exif != nil)
        line.add("xmp", metadata.xmp != nil)
        line.add("iptc", metadata.iptc != nil)
        line.add("c2pa", metadata.c2pa != nil)
        line.add("digitalSourceType", metadata.digitalSourceType?.type.term)
        line.add("digitalSourceTypeFrom", metadata.digitalSourceType?.origin.rawValue)
    }

    func metadataWords(_ metadata: ImageMetadata) -> [String] {
        var words: [String] = []
        let kinds = [("EXIF", metadata.exif != nil), ("XMP", metadata.xmp != nil), ("IPTC", metadata.iptc != nil)]
            .filter { $0.1 }.map { $0.0 }
        if !kinds.isEmpty { words.append(kinds.joined(separator: "+")) }
        if metadata.c2pa != nil { words.append("C2PA manifest") }
        if let found = metadata.digitalSourceType { words.append("AI: \(found.type.term)") }
        return words
    }
}
