import CWebP

/// Puts EXIF, XMP and IPTC into an encoded file without touching its image data: JPEG segments after the
/// JFIF header, PNG chunks after IHDR, WebP chunks through libwebpmux. What the file carried before of
/// the same kinds is replaced; its ICC profile and any C2PA manifest stay as they are.
public enum MetadataWriter {
    /// `bytes` (a complete JPEG, PNG or WebP file) carrying `metadata`'s EXIF, XMP and IPTC instead of
    /// its own. WebP has no IPTC container, so IPTC is left out there. `path` names the file in errors.
    public static func embed(_ metadata: ImageMetadata, into bytes: [UInt8], path: String) throws(MetadataError) -> [UInt8] {
        switch ImageFormat.detect(Array(bytes.prefix(16))) {
        case .jpeg: return try jpeg(metadata, bytes, path: path)
        case .png: return try png(metadata, bytes, path: path)
        case .webp: return try webp(metadata, bytes, path: path)
        case nil: throw .notAnImage(path: path)
        }
    }

    // MARK: JPEG

    static let largestSegment = 65533  // a segment's length field counts itself: 65535 - 2

    private static func jpeg(_ metadata: ImageMetadata, _ bytes: [UInt8], path: String) throws(MetadataError) -> [UInt8] {
        var segments: [[UInt8]] = []
        if let exif = metadata.exif {
            segments.append(try segment(0xE1, MetadataReader.exifPrefix + exif, part: "EXIF", path: path))
        }
        if let xmp = metadata.xmp {
            segments.append(try segment(0xE1, MetadataReader.xmpPrefix + Array(xmp.utf8), part: "XMP", path: path))
        }
        if let iptc = metadata.iptc {
            segments.append(try segment(0xED, MetadataReader.photoshopPrefix + PhotoshopResources.block(iptc: iptc),
                                        part: "IPTC", path: path))
        }
        // Copy every segment up to the image data except the ones being replaced; insert after SOI + APP0.
        guard bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { throw .notAnImage(path: path) }
        var out: [UInt8] = [0xFF, 0xD8]
        out.reserveCapacity(bytes.count + segments.reduce(0) { $0 + $1.count })
        var offset = 2
        var inserted = false
        while offset + 4 <= bytes.count, bytes[offset] == 0xFF {
            let marker = bytes[offset + 1]
            if marker == 0xDA || marker == 0xD9 || marker == 0xFF || marker == 0x01 || (0xD0...0xD7).contains(marker) { break }
            let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            guard length >= 2, offset + 2 + length <= bytes.count else { throw .damaged(path: path, detail: "a JPEG segment runs past the end") }
            let segment = bytes[offset..<offset + 2 + length]
            let payload = segment.dropFirst(4)
            if !inserted && marker != 0xE0 {
                out += segments.joined()
                inserted = true
            }
            let replaced = (marker == 0xE1 && (payload.starts(with: MetadataReader.exifPrefix) || payload.starts(with: MetadataReader.xmpPrefix)))
                || (marker == 0xED && payload.starts(with: MetadataReader.photoshopPrefix))
            if !replaced { out += segment }
            offset += 2 + length
        }
        if !inserted { out += segments.joined() }
        out += bytes[offset...]
        return out
    }

    private static func segment(_ marker: UInt8, _ payload: [UInt8], part: String, path: String) throws(MetadataError) -> [UInt8] {
        guard payload.count <= largestSegment else {
            throw .tooLargeForJPEG(path: path, part: part, bytes: payload.count, limit: largestSegment)
        }
        let length = payload.count + 2
        return [0xFF, marker, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
    }

    // MARK: PNG

    private static func png(_ metadata: ImageMetadata, _ bytes: [UInt8], path: String) throws(MetadataError) -> [UInt8] {
        var chunks: [UInt8] = []
        if let exif = metadata.exif { chunks += pngChunk("eXIf", exif) }
        if let xmp = metadata.xmp {
            // iTXt, uncompressed, no language: the form Adobe's XMP specification gives for PNG.
            chunks += pngChunk("iTXt", Array(MetadataReader.xmpKeyword.utf8) + [0, 0, 0, 0, 0] + Array(xmp.utf8))
        }
        if let iptc = metadata.iptc {
            guard let compressed = Zlib.deflate(RawProfile.encode(iptc, name: "IPTC profile")) else {
                throw .damaged(path: path, detail: "cannot compress the IPTC block")
            }
            chunks += pngChunk("zTXt", Array("Raw profile type iptc".utf8) + [0, 0] + compressed)
        }
        guard bytes.count >= 33 else { throw .notAnImage(path: path) }
        var out = Array(bytes[0..<33])  // signature and IHDR
        out += chunks
        var offset = 33
        while offset + 12 <= bytes.count {
            let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            guard length >= 0, offset + 12 + length <= bytes.count else {
                throw .damaged(path: path, detail: "a PNG chunk runs past the end")
            }
            let type = String(decoding: bytes[offset + 4..<offset + 8], as: UTF8.self)
            let data = Array(bytes[offset + 8..<offset + 8 + length])
            if !isReplaced(type: type, data: data) { out += bytes[offset..<offset + 12 + length] }
            offset += 12 + length
        }
        return out
    }

    private static func isReplaced(type: String, data: [UInt8]) -> Bool {
        if type == "eXIf" { return true }
        guard ["iTXt", "zTXt", "tEXt"].contains(type), let nul = data.firstIndex(of: 0) else { return false }
        let keyword = String(decoding: data[..<nul], as: UTF8.self)
        return keyword == MetadataReader.xmpKeyword
            || ["Raw profile type exif", "Raw profile type iptc", "Raw profile type xmp", "Raw profile type APP1"].contains(keyword)
    }

    static func pngChunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        let crc = LibPNG.crc32(body)
        return be32(data.count) + body + be32(Int(crc))
    }

    private static func be32(_ value: Int) -> [UInt8] {
        [UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    // MARK: WebP

    private static func webp(_ metadata: ImageMetadata, _ bytes: [UInt8], path: String) throws(MetadataError) -> [UInt8] {
        let status: WebPMuxError
        var assembled = WebPData()
        status = bytes.withUnsafeBufferPointer { file -> WebPMuxError in
            var input = WebPData(bytes: file.baseAddress, size: file.count)
            guard let mux = WebPMuxCreate(&input, 1) else { return WEBP_MUX_BAD_DATA }
            defer { WebPMuxDelete(mux) }
            for (fourCC, payload) in [("EXIF", metadata.exif), ("XMP ", metadata.xmp.map { Array($0.utf8) })] {
                _ = WebPMuxDeleteChunk(mux, fourCC)
                guard let payload else { continue }
                let set = payload.withUnsafeBufferPointer { data -> WebPMuxError in
                    var chunk = WebPData(bytes: data.baseAddress, size: data.count)
                    return WebPMuxSetChunk(mux, fourCC, &chunk, 1)
                }
                guard set == WEBP_MUX_OK else { return set }
            }
            return WebPMuxAssemble(mux, &assembled)
        }
        guard status == WEBP_MUX_OK, let out = assembled.bytes else {
            throw .damaged(path: path, detail: "libwebpmux cannot rewrite the container (status \(status.rawValue))")
        }
        defer { WebPDataClear(&assembled) }
        return Array(UnsafeBufferPointer(start: out, count: assembled.size))
    }
}

/// Why metadata could not be written.
public enum MetadataError: FileError, Equatable {
    /// The bytes are not a JPEG, PNG or WebP file.
    case notAnImage(path: String)
    /// The container is damaged where metadata would go.
    case damaged(path: String, detail: String)
    /// A JPEG segment holds at most 65,533 bytes; this EXIF, XMP or IPTC block is larger.
    case tooLargeForJPEG(path: String, part: String, bytes: Int, limit: Int)

    public var path: String {
        switch self {
        case .notAnImage(let path), .damaged(let path, _), .tooLargeForJPEG(let path, _, _, _): path
        }
    }

    public var reason: String {
        switch self {
        case .notAnImage: "not a JPEG, PNG or WebP file, so no metadata can be written into it"
        case .damaged(_, let detail): "cannot write metadata: \(detail)"
        case .tooLargeForJPEG(_, let part, let bytes, let limit):
            "the \(part) block is \(grouped(bytes)) bytes, more than a JPEG segment holds (\(grouped(limit))); use --strip or a PNG/WebP output"
        }
    }
}
