import CPNG

/// Reads a PNG's facts from its chunks: IHDR (checked against its CRC), then the chunks before the first
/// IDAT for transparency (tRNS), ICC (iCCP), orientation (eXIf) and animation (acTL). Image data is
/// never read.
enum PNGHeaderParser {
    static func parse(_ source: ByteSource) throws(ProbeError) -> ImageInfo {
        let path = source.path
        func invalid(_ detail: String) -> ProbeError { .invalidHeader(path: path, format: .png, detail: detail) }
        let ihdr = try source.bytes(at: 8, count: 25)
        guard ihdr.count == 25 else { throw .truncatedHeader(path: path, format: .png) }
        let type = String(decoding: ihdr[4..<8], as: UTF8.self)
        guard type == "IHDR", be32(ihdr, 0) == 13 else { throw invalid("the first chunk is '\(type)', not a 13-byte IHDR") }
        let crc = ihdr.withUnsafeBufferPointer { ippng_crc32(0, $0.baseAddress! + 4, 17) }
        guard crc == UInt32(be32(ihdr, 21)) else { throw invalid("IHDR checksum mismatch") }
        let width = be32(ihdr, 8)
        let height = be32(ihdr, 12)
        let depth = Int(ihdr[16])
        let colorType = Int(ihdr[17])
        guard width > 0, width <= Int(Int32.max) else { throw invalid("width \(width)") }
        guard height > 0, height <= Int(Int32.max) else { throw invalid("height \(height)") }
        let allowedDepths: [Int: [Int]] = [0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16]]
        guard let depths = allowedDepths[colorType] else { throw invalid("colour type \(colorType)") }
        guard depths.contains(depth) else { throw invalid("bit depth \(depth) is not allowed for colour type \(colorType)") }
        guard ihdr[18] == 0 else { throw invalid("compression method \(ihdr[18])") }
        guard ihdr[19] == 0 else { throw invalid("filter method \(ihdr[19])") }
        guard ihdr[20] <= 1 else { throw invalid("interlace method \(ihdr[20])") }

        var hasTransparency = false
        var hasICC = false
        var isAnimated = false
        var orientation = Orientation.up
        var offset = 33
        scan: while true {
            let chunk = try source.bytes(at: offset, count: 8)
            guard chunk.count == 8 else { throw .truncatedHeader(path: path, format: .png) }
            let length = be32(chunk, 0)
            guard length <= Int(Int32.max) else { throw invalid("chunk length \(length) at byte \(offset)") }
            switch String(decoding: chunk[4..<8], as: UTF8.self) {
            case "IDAT": break scan
            case "IEND": throw invalid("no image data (IEND before any IDAT chunk)")
            case "tRNS": hasTransparency = true
            case "iCCP": hasICC = true
            case "acTL": isAnimated = true
            case "eXIf": orientation = try ExifOrientation.find(in: source, offset: offset + 8, length: length)
            default: break
            }
            offset += 12 + length
        }
        return ImageInfo(
            format: .png, storedWidth: width, storedHeight: height, orientation: orientation, bytes: source.size,
            hasAlpha: colorType == 4 || colorType == 6 || hasTransparency, isAnimated: isAnimated,
            isProgressive: ihdr[20] == 1, bitDepth: depth,
            colorModel: colorType == 3 ? .palette : (colorType == 0 || colorType == 4 ? .grey : .rgb),
            hasICCProfile: hasICC)
    }

    private static func be32(_ bytes: [UInt8], _ at: Int) -> Int {
        Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
    }
}
