/// Reads a JPEG's facts from its markers: the frame header (SOFn) for size, precision, components and
/// progressive mode; APP1 for EXIF orientation; APP2 for an ICC profile. Stops at the first scan (SOS),
/// so the entropy-coded data, nearly all of the file, is never read.
enum JPEGHeaderParser {
    private struct Frame {
        var width: Int
        var height: Int
        var precision: Int
        var components: Int
        var progressive: Bool
    }

    static func parse(_ source: ByteSource) throws(ProbeError) -> ImageInfo {
        let path = source.path
        func invalid(_ detail: String) -> ProbeError { .invalidHeader(path: path, format: .jpeg, detail: detail) }
        var offset = 2
        var frame: Frame?
        var orientation = Orientation.up
        var sawExif = false
        var hasICC = false
        while true {
            var marker = try source.bytes(at: offset, count: 2)
            guard marker.count == 2 else { throw .truncatedHeader(path: path, format: .jpeg) }
            guard marker[0] == 0xFF else {
                throw invalid("expected a marker at byte \(offset), found 0x\(String(marker[0], radix: 16))")
            }
            // Any number of 0xFF fill bytes may precede a marker code.
            while marker[1] == 0xFF {
                offset += 1
                marker = try source.bytes(at: offset, count: 2)
                guard marker.count == 2 else { throw .truncatedHeader(path: path, format: .jpeg) }
            }
            let code = marker[1]
            offset += 2
            switch code {
            case 0x01, 0xD0...0xD7:
                continue
            case 0xD8:
                throw invalid("a second start-of-image marker at byte \(offset - 2)")
            case 0xD9:
                throw invalid("the image ends before any frame header (no SOF marker)")
            default:
                break
            }
            let lengthBytes = try source.bytes(at: offset, count: 2)
            guard lengthBytes.count == 2 else { throw .truncatedHeader(path: path, format: .jpeg) }
            let length = Int(lengthBytes[0]) << 8 | Int(lengthBytes[1])
            guard length >= 2 else { throw invalid("segment 0x\(String(code, radix: 16)) has length \(length)") }
            let payload = offset + 2
            let payloadLength = length - 2
            switch code {
            case 0xC0...0xCF where code != 0xC4 && code != 0xC8 && code != 0xCC:
                let sof = try source.bytes(at: payload, count: 6)
                guard sof.count == 6, payloadLength >= 6 else { throw .truncatedHeader(path: path, format: .jpeg) }
                let height = Int(sof[1]) << 8 | Int(sof[2])
                let width = Int(sof[3]) << 8 | Int(sof[4])
                let components = Int(sof[5])
                guard width > 0 else { throw invalid("width 0 in the frame header") }
                guard height > 0 else { throw invalid("height 0 in the frame header (DNL is not supported)") }
                guard [1, 3, 4].contains(components) else {
                    throw invalid("\(components) colour components (expected 1, 3 or 4)")
                }
                frame = Frame(
                    width: width, height: height, precision: Int(sof[0]), components: components,
                    progressive: [0xC2, 0xC6, 0xCA, 0xCE].contains(code))
            case 0xE1 where !sawExif && payloadLength >= 14:
                let tag = try source.bytes(at: payload, count: 6)
                if tag.elementsEqual([0x45, 0x78, 0x69, 0x66, 0, 0]) {
                    sawExif = true
                    orientation = try ExifOrientation.find(in: source, offset: payload, length: payloadLength)
                }
            case 0xE2 where payloadLength >= 12:
                let tag = try source.bytes(at: payload, count: 12)
                hasICC = hasICC || tag.elementsEqual(Array("ICC_PROFILE\0".utf8))
            case 0xDA:
                guard let frame else { throw invalid("a scan starts before the frame header") }
                return ImageInfo(
                    format: .jpeg, storedWidth: frame.width, storedHeight: frame.height, orientation: orientation,
                    bytes: source.size, hasAlpha: false, isAnimated: false, isProgressive: frame.progressive,
                    bitDepth: frame.precision,
                    colorModel: frame.components == 1 ? .grey : (frame.components == 4 ? .cmyk : .rgb),
                    hasICCProfile: hasICC)
            default:
                break
            }
            offset += length
        }
    }
}
