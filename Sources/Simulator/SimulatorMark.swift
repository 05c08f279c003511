import Foundation

/// Tells a file the simulator made from a real output by the label every simulated image carries in its
/// metadata: a PNG text chunk `Comment` holding `SimulatedImages.marker`, written before the image data,
/// or — in a JPEG imagepipe derived from one (a pipeline's `fit` copy) — a COM segment holding the same
/// text. Verification uses it so that nothing the simulator made is ever taken for the real service's
/// work (recorded as an observed size, for one).
public enum SimulatorMark {
    /// The label's text.
    public static var text: String { SimulatedImages.marker }

    /// True when `path` is a PNG whose chunks before the image data include the simulator's label. Reads
    /// only chunk headers and small text chunks, never the pixels; any file it cannot read is unmarked.
    public static func isPresent(inFileAt path: String) -> Bool {
        guard let file = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? file.close() }
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard let head = try? file.read(upToCount: 8).map([UInt8].init) else { return false }
        if head.starts(with: [0xFF, 0xD8]) { return isInJPEG(file) }
        guard head == signature else { return false }
        var offset: UInt64 = 8
        // The label is written among the first chunks; a few dozen is plenty, and bounds a hostile file.
        for _ in 0..<64 {
            guard (try? file.seek(toOffset: offset)) != nil, let header = try? file.read(upToCount: 8), header.count == 8 else { return false }
            let bytes = [UInt8](header)
            let length = bytes[0..<4].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let type = String(decoding: bytes[4..<8], as: UTF8.self)
            if type == "IDAT" || type == "IEND" { return false }
            if type == "tEXt", length <= 4096, let body = try? file.read(upToCount: Int(length)), isLabel([UInt8](body)) {
                return true
            }
            offset += 12 + length  // length, type, data, CRC
        }
        return false
    }

    /// True when one of the JPEG's segments before its scan data is a COM holding the label. Reads only
    /// segment headers and small comments, at most 64 segments.
    static func isInJPEG(_ file: FileHandle) -> Bool {
        var offset: UInt64 = 2
        for _ in 0..<64 {
            guard (try? file.seek(toOffset: offset)) != nil, let header = try? file.read(upToCount: 4), header.count == 4 else { return false }
            let bytes = [UInt8](header)
            // A marker, then a length that counts itself; SOS (0xDA) starts the image data.
            guard bytes[0] == 0xFF, bytes[1] != 0xDA, bytes[1] != 0xD9 else { return false }
            let length = UInt64(bytes[2]) << 8 | UInt64(bytes[3])
            guard length >= 2 else { return false }
            if bytes[1] == 0xFE, length - 2 <= 4096, let body = try? file.read(upToCount: Int(length - 2)),
                String(decoding: body, as: UTF8.self) == text
            {
                return true
            }
            offset += 2 + length
        }
        return false
    }

    /// A tEXt chunk's body is `keyword NUL text` (Latin-1; the label is ASCII).
    static func isLabel(_ body: [UInt8]) -> Bool {
        guard let separator = body.firstIndex(of: 0) else { return false }
        return String(decoding: body[..<separator], as: UTF8.self) == "Comment"
            && String(decoding: body[(separator + 1)...], as: UTF8.self) == text
    }
}
