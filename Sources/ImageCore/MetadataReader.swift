import CPNG

/// Finds the metadata in each format's container. Damaged or foreign metadata is skipped, never fatal:
/// the walk stops where the structure stops making sense and keeps what it found before.
enum MetadataReader {
    /// Metadata chunks larger than this are skipped (no real EXIF, XMP or IPTC block comes near it).
    static let largestPiece = 16 << 20

    static let exifPrefix: [UInt8] = Array("Exif".utf8) + [0, 0]
    static let xmpPrefix: [UInt8] = Array("http://ns.adobe.com/xap/1.0/".utf8) + [0]
    static let photoshopPrefix: [UInt8] = Array("Photoshop 3.0".utf8) + [0]
    static let xmpKeyword = "XML:com.adobe.xmp"

    // MARK: JPEG

    static func jpeg(_ source: ByteSource) throws(ProbeError) -> ImageMetadata {
        var metadata = ImageMetadata()
        var jumbf: [UInt8] = []
        var offset = 2
        while offset + 4 <= source.size {
            let head = try source.bytes(at: offset, count: 4)
            guard head.count == 4, head[0] == 0xFF else { break }
            let marker = head[1]
            if marker == 0xFF { offset += 1; continue }  // fill byte
            if marker == 0x01 || (0xD0...0xD7).contains(marker) { offset += 2; continue }
            if marker == 0xDA || marker == 0xD9 { break }  // image data (or the end): no metadata after this
            let length = Int(head[2]) << 8 | Int(head[3])
            guard length >= 2 else { break }
            if marker == 0xE1 || marker == 0xED || marker == 0xEB {
                let payload = try source.bytes(at: offset + 4, count: length - 2)
                switch marker {
                case 0xE1 where payload.starts(with: exifPrefix):
                    metadata.exif = Array(payload.dropFirst(exifPrefix.count))
                case 0xE1 where payload.starts(with: xmpPrefix):
                    metadata.xmp = String(decoding: payload.dropFirst(xmpPrefix.count), as: UTF8.self)
                case 0xED where payload.starts(with: photoshopPrefix):
                    if let iptc = PhotoshopResources.iptc(in: Array(payload.dropFirst(photoshopPrefix.count))) {
                        metadata.iptc = (metadata.iptc ?? []) + iptc
                    }
                case 0xEB where payload.count > 8 && payload[0] == 0x4A && payload[1] == 0x50:
                    // JPEG XT box segments ("JP", box instance, sequence number), which C2PA uses for JUMBF.
                    jumbf += payload.dropFirst(8)
                default:
                    break
                }
            }
            offset += 2 + length
        }
        if isC2PA(jumbf) { metadata.c2pa = jumbf }
        return metadata
    }

    /// A JUMBF superbox (`jumb`) whose description is labelled `c2pa`.
    static func isC2PA(_ bytes: [UInt8]) -> Bool {
        contains(bytes, Array("jumb".utf8)) && contains(bytes, Array("c2pa".utf8))
    }

    // MARK: PNG

    static func png(_ source: ByteSource) throws(ProbeError) -> ImageMetadata {
        var metadata = ImageMetadata()
        var offset = 8
        while offset + 8 <= source.size {
            let head = try source.bytes(at: offset, count: 8)
            guard head.count == 8 else { break }
            let length = Int(head[0]) << 24 | Int(head[1]) << 16 | Int(head[2]) << 8 | Int(head[3])
            let type = String(decoding: head[4..<8], as: UTF8.self)
            if type == "IEND" { break }
            if ["eXIf", "iTXt", "zTXt", "tEXt", "caBX"].contains(type), length <= largestPiece {
                let data = try source.bytes(at: offset + 8, count: length)
                switch type {
                case "eXIf": metadata.exif = data
                case "caBX": metadata.c2pa = data
                default: PNGText(type: type, data: data).map { apply($0, to: &metadata) }
                }
            }
            offset += 12 + length
        }
        return metadata
    }

    private static func apply(_ text: PNGText, to metadata: inout ImageMetadata) {
        if text.keyword == xmpKeyword {
            metadata.xmp = String(decoding: text.text, as: UTF8.self)
            return
        }
        guard text.keyword.hasPrefix("Raw profile type "), let raw = RawProfile.decode(text.text) else { return }
        switch text.keyword.dropFirst("Raw profile type ".count) {
        case "exif": metadata.exif = raw.starts(with: exifPrefix) ? Array(raw.dropFirst(exifPrefix.count)) : raw
        case "iptc": metadata.iptc = raw.starts(with: Array("8BIM".utf8)) ? PhotoshopResources.iptc(in: raw) : raw
        case "xmp": if metadata.xmp == nil { metadata.xmp = String(decoding: raw, as: UTF8.self) }
        default: break
        }
    }

    // MARK: WebP

    static func webp(_ source: ByteSource) throws(ProbeError) -> ImageMetadata {
        var metadata = ImageMetadata()
        var offset = 12
        while offset + 8 <= source.size {
            let head = try source.bytes(at: offset, count: 8)
            guard head.count == 8 else { break }
            let length = Int(head[4]) | Int(head[5]) << 8 | Int(head[6]) << 16 | Int(head[7]) << 24
            let type = String(decoding: head[0..<4], as: UTF8.self)
            if ["EXIF", "XMP ", "C2PA"].contains(type), length <= largestPiece {
                let data = try source.bytes(at: offset + 8, count: length)
                switch type {
                case "EXIF": metadata.exif = data.starts(with: exifPrefix) ? Array(data.dropFirst(exifPrefix.count)) : data
                case "XMP ": metadata.xmp = String(decoding: data, as: UTF8.self)
                default: metadata.c2pa = data
                }
            }
            offset += 8 + length + (length & 1)
        }
        return metadata
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count, let first = needle.first else { return false }
        var index = 0
        while index + needle.count <= haystack.count {
            if haystack[index] == first, haystack[index..<index + needle.count].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }
}

/// A PNG text chunk (tEXt, zTXt or iTXt), its keyword and its text (decompressed).
struct PNGText {
    var keyword: String
    var text: [UInt8]

    init?(type: String, data: [UInt8]) {
        guard let nul = data.firstIndex(of: 0) else { return nil }
        keyword = String(decoding: data[..<nul], as: UTF8.self)
        let rest = Array(data[(nul + 1)...])
        switch type {
        case "tEXt":
            text = rest
        case "zTXt":
            guard rest.count > 1, let inflated = Zlib.inflate(Array(rest.dropFirst())) else { return nil }
            text = inflated
        case "iTXt":
            // compression flag, method, language tag\0, translated keyword\0, text
            guard rest.count > 2 else { return nil }
            let compressed = rest[0] == 1
            var fields = rest.dropFirst(2)
            guard let languageEnd = fields.firstIndex(of: 0) else { return nil }
            fields = fields[(languageEnd + 1)...]
            guard let translatedEnd = fields.firstIndex(of: 0) else { return nil }
            let body = Array(fields[(translatedEnd + 1)...])
            if compressed {
                guard let inflated = Zlib.inflate(body) else { return nil }
                text = inflated
            } else {
                text = body
            }
        default:
            return nil
        }
    }
}

/// ImageMagick's "Raw profile type NAME" text: a newline, the name, the length, then the bytes in hex.
enum RawProfile {
    static func decode(_ text: [UInt8]) -> [UInt8]? {
        let lines = text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
        guard lines.count >= 2 else { return nil }
        let lengthText = String(decoding: lines[1], as: UTF8.self).trimmingSpaces()
        guard let length = Int(lengthText), length >= 0, length <= MetadataReader.largestPiece else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(length)
        var high: UInt8?
        for line in lines.dropFirst(2) {
            for character in line {
                guard let nibble = hexValue(character) else { continue }
                if let h = high { bytes.append(h << 4 | nibble); high = nil } else { high = nibble }
                if bytes.count == length { return bytes }
            }
        }
        return bytes.count == length ? bytes : nil
    }

    static func encode(_ bytes: [UInt8], name: String) -> [UInt8] {
        let count = String(bytes.count)
        var out = Array("\n\(name)\n\(String(repeating: " ", count: max(0, 8 - count.count)))\(count)\n".utf8)
        let digits = Array("0123456789abcdef".utf8)
        for (index, byte) in bytes.enumerated() {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
            if index % 36 == 35 || index == bytes.count - 1 { out.append(10) }
        }
        return out
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x41...0x46: c - 0x41 + 10
        case 0x61...0x66: c - 0x61 + 10
        default: nil
        }
    }
}

/// Photoshop's image resource blocks ("8BIM", id, Pascal name, size, data), as JPEG APP13 holds them.
enum PhotoshopResources {
    static let iptcID = 0x0404

    /// The IPTC-IIM data of resource 0x0404, or nil.
    static func iptc(in bytes: [UInt8]) -> [UInt8]? {
        var offset = 0
        while offset + 12 <= bytes.count, bytes[offset..<offset + 4].elementsEqual("8BIM".utf8) {
            let id = Int(bytes[offset + 4]) << 8 | Int(bytes[offset + 5])
            let nameLength = Int(bytes[offset + 6])
            var cursor = offset + 6 + 1 + nameLength
            if (1 + nameLength) % 2 == 1 { cursor += 1 }  // the Pascal name is padded to an even length
            guard cursor + 4 <= bytes.count else { return nil }
            let size = Int(bytes[cursor]) << 24 | Int(bytes[cursor + 1]) << 16 | Int(bytes[cursor + 2]) << 8 | Int(bytes[cursor + 3])
            cursor += 4
            guard size >= 0, cursor + size <= bytes.count else { return nil }
            if id == iptcID { return Array(bytes[cursor..<cursor + size]) }
            offset = cursor + size + (size & 1)
        }
        return nil
    }

    /// One resource block holding `iptc`.
    static func block(iptc: [UInt8]) -> [UInt8] {
        var out = Array("8BIM".utf8) + [0x04, 0x04, 0, 0]
        out += [UInt8(iptc.count >> 24 & 0xFF), UInt8(iptc.count >> 16 & 0xFF), UInt8(iptc.count >> 8 & 0xFF), UInt8(iptc.count & 0xFF)]
        out += iptc
        if iptc.count % 2 == 1 { out.append(0) }
        return out
    }
}

/// zlib through the CPNG target, for compressed PNG text chunks.
enum Zlib {
    static func inflate(_ data: [UInt8], maxLength: Int = MetadataReader.largestPiece) -> [UInt8]? {
        var out: UnsafeMutablePointer<UInt8>?
        var length = 0
        let status = data.withUnsafeBufferPointer { ipzlib_inflate($0.baseAddress, $0.count, maxLength, &out, &length) }
        guard status == 0, let out else { return nil }
        defer { ipzlib_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: length))
    }

    static func deflate(_ data: [UInt8]) -> [UInt8]? {
        var out: UnsafeMutablePointer<UInt8>?
        var length = 0
        let status = data.withUnsafeBufferPointer { ipzlib_deflate($0.baseAddress, $0.count, &out, &length) }
        guard status == 0, let out else { return nil }
        defer { ipzlib_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: length))
    }
}

extension String {
    func trimmingSpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
    }
}
