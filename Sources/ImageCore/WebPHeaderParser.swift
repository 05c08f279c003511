/// Reads a WebP's facts from its RIFF chunks: the VP8 frame header, the VP8L header, or the extended
/// VP8X header with its feature flags. An EXIF chunk (for orientation) is searched for only when VP8X
/// says there is one; chunks are skipped by their lengths, never read.
enum WebPHeaderParser {
    static func parse(_ source: ByteSource) throws(ProbeError) -> ImageInfo {
        let path = source.path
        func invalid(_ detail: String) -> ProbeError { .invalidHeader(path: path, format: .webp, detail: detail) }
        let first = try source.bytes(at: 12, count: 18)
        guard first.count >= 8 else { throw .truncatedHeader(path: path, format: .webp) }
        let fourCC = String(decoding: first[0..<4], as: UTF8.self)
        let payload = Array(first[8...])
        switch fourCC {
        case "VP8 ":
            guard payload.count >= 10 else { throw .truncatedHeader(path: path, format: .webp) }
            guard payload[0] & 1 == 0 else { throw invalid("the VP8 frame is not a key frame") }
            guard payload[3] == 0x9D, payload[4] == 0x01, payload[5] == 0x2A else {
                throw invalid("bad VP8 start code")
            }
            let width = (Int(payload[6]) | Int(payload[7]) << 8) & 0x3FFF
            let height = (Int(payload[8]) | Int(payload[9]) << 8) & 0x3FFF
            guard width > 0, height > 0 else { throw invalid("size \(width)×\(height)") }
            return ImageInfo(
                format: .webp, storedWidth: width, storedHeight: height, bytes: source.size, hasAlpha: false,
                colorModel: .rgb)
        case "VP8L":
            guard payload.count >= 5 else { throw .truncatedHeader(path: path, format: .webp) }
            guard payload[0] == 0x2F else { throw invalid("bad VP8L signature") }
            let bits = Int(payload[1]) | Int(payload[2]) << 8 | Int(payload[3]) << 16 | Int(payload[4]) << 24
            guard bits >> 29 == 0 else { throw invalid("VP8L version \(bits >> 29)") }
            return ImageInfo(
                format: .webp, storedWidth: (bits & 0x3FFF) + 1, storedHeight: ((bits >> 14) & 0x3FFF) + 1,
                bytes: source.size, hasAlpha: (bits >> 28) & 1 == 1, colorModel: .rgb)
        case "VP8X":
            guard payload.count >= 10 else { throw .truncatedHeader(path: path, format: .webp) }
            let flags = payload[0]
            let width = (Int(payload[4]) | Int(payload[5]) << 8 | Int(payload[6]) << 16) + 1
            let height = (Int(payload[7]) | Int(payload[8]) << 8 | Int(payload[9]) << 16) + 1
            var orientation = Orientation.up
            if flags & 0x08 != 0 {
                orientation = try findExifOrientation(source, from: 12 + 8 + 10)
            }
            return ImageInfo(
                format: .webp, storedWidth: width, storedHeight: height, orientation: orientation,
                bytes: source.size, hasAlpha: flags & 0x10 != 0, isAnimated: flags & 0x02 != 0,
                colorModel: .rgb, hasICCProfile: flags & 0x20 != 0)
        default:
            throw invalid("unknown first chunk '\(fourCC)' (expected VP8, VP8L or VP8X)")
        }
    }

    private static func findExifOrientation(_ source: ByteSource, from start: Int) throws(ProbeError) -> Orientation {
        var offset = start
        while offset + 8 <= source.size {
            let chunk = try source.bytes(at: offset, count: 8)
            let size = Int(chunk[4]) | Int(chunk[5]) << 8 | Int(chunk[6]) << 16 | Int(chunk[7]) << 24
            if chunk[0..<4].elementsEqual(Array("EXIF".utf8)) {
                return try ExifOrientation.find(in: source, offset: offset + 8, length: size)
            }
            offset += 8 + size + (size & 1)
        }
        return .up
    }
}
