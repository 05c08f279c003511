#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A JPEG's scan structure from a walk over its markers, with no decoding: marker segments are skipped by
/// their length, entropy-coded data by searching for the next 0xFF that is neither stuffing (0xFF00) nor a
/// restart marker. It costs about one `memchr` over the file. A DC-only thumbnail reads only the first
/// scans; this says, without decoding the rest, how many scans the file has and whether it ends with an
/// end-of-image marker (a file cut short has none).
struct JPEGScanMap {
    /// Start-of-scan markers found.
    private(set) var scans = 0
    /// True when the walk reached an EOI marker; false when the data ends first or stops making sense.
    private(set) var reachesEndOfImage = false
    /// Each component's sampling factors from the frame header: (2, 2) for luma and (1, 1) for chroma in
    /// a 4:2:0 file.
    private(set) var samplingFactors: [(horizontal: Int, vertical: Int)] = []

    /// The size of the coarsest component's grid of 8×8 blocks for a `width`×`height` picture: what the DC
    /// coefficients alone resolve. Chroma stored at half resolution (4:2:0) has one DC per 16×16 pixels.
    func coarsestDCGrid(width: Int, height: Int) -> (width: Int, height: Int) {
        let maxH = samplingFactors.map(\.horizontal).max() ?? 1, maxV = samplingFactors.map(\.vertical).max() ?? 1
        let minH = samplingFactors.map(\.horizontal).min() ?? 1, minV = samplingFactors.map(\.vertical).min() ?? 1
        return ((width * minH + 8 * maxH - 1) / (8 * maxH), (height * minV + 8 * maxV - 1) / (8 * maxV))
    }

    init(_ bytes: [UInt8]) {
        var offset = 2  // after SOI
        while offset + 1 < bytes.count {
            guard bytes[offset] == 0xFF else { return }
            let code = bytes[offset + 1]
            if code == 0xFF {  // fill byte before a marker
                offset += 1
                continue
            }
            offset += 2
            switch code {
            case 0xD9:
                reachesEndOfImage = true
                return
            case 0x01, 0xD0...0xD7:
                continue
            default:
                guard offset + 1 < bytes.count else { return }
                let length = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
                guard length >= 2 else { return }
                if (0xC0...0xCF).contains(code) && code != 0xC4 && code != 0xC8 && code != 0xCC {
                    readFrameHeader(bytes, at: offset + 2, length: length - 2)
                }
                offset += length
                if code == 0xDA {
                    scans += 1
                    offset = Self.nextMarker(in: bytes, from: offset)
                }
            }
        }
    }

    /// A frame header (SOFn): precision, height, width, component count, then per component its id,
    /// sampling factors (high and low nibble) and quantisation table.
    private mutating func readFrameHeader(_ bytes: [UInt8], at start: Int, length: Int) {
        guard length >= 6, start + length <= bytes.count else { return }
        let count = Int(bytes[start + 5])
        guard length >= 6 + 3 * count else { return }
        samplingFactors = (0..<count).map { index in
            let factors = bytes[start + 6 + 3 * index + 1]
            return (max(1, Int(factors >> 4)), max(1, Int(factors & 0x0F)))
        }
    }

    /// The offset of the 0xFF that starts the next marker after entropy-coded data at `start`, or the
    /// end of the data.
    private static func nextMarker(in bytes: [UInt8], from start: Int) -> Int {
        var offset = start
        while offset < bytes.count {
            let found = bytes.withUnsafeBytes { raw -> Int? in
                guard let hit = memchr(raw.baseAddress! + offset, 0xFF, raw.count - offset) else { return nil }
                return raw.baseAddress!.distance(to: UnsafeRawPointer(hit))
            }
            guard let found, found + 1 < bytes.count else { return bytes.count }
            switch bytes[found + 1] {
            case 0x00, 0xD0...0xD7: offset = found + 2
            default: return found
            }
        }
        return bytes.count
    }
}
