/// Finds the orientation tag (0x0112) in IFD0 of an EXIF block (a TIFF structure). Anything malformed
/// means "no orientation": a broken EXIF block must not make a good picture unreadable.
enum ExifOrientation {
    /// Reads the EXIF payload of `length` bytes at `offset` of `source` (with or without an "Exif\0\0"
    /// prefix): only the TIFF header and IFD0's entries are read, never an embedded thumbnail.
    static func find(in source: ByteSource, offset: Int, length: Int) throws(ProbeError) -> Orientation {
        var base = offset
        var length = length
        let prefix = try source.bytes(at: base, count: 8)
        if prefix.count >= 6, prefix[0..<6].elementsEqual([0x45, 0x78, 0x69, 0x66, 0, 0]) {
            base += 6
            length -= 6
        }
        let header = try source.bytes(at: base, count: min(8, length))
        guard header.count == 8 else { return .up }
        let little: Bool
        switch (header[0], header[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return .up
        }
        func u16(_ bytes: [UInt8], _ at: Int) -> Int {
            little ? Int(bytes[at]) | Int(bytes[at + 1]) << 8 : Int(bytes[at]) << 8 | Int(bytes[at + 1])
        }
        func u32(_ bytes: [UInt8], _ at: Int) -> Int {
            little ? u16(bytes, at) | u16(bytes, at + 2) << 16 : u16(bytes, at) << 16 | u16(bytes, at + 2)
        }
        guard u16(header, 2) == 42 else { return .up }
        let ifd = u32(header, 4)
        guard ifd >= 8, ifd + 2 <= length else { return .up }
        let countBytes = try source.bytes(at: base + ifd, count: 2)
        guard countBytes.count == 2 else { return .up }
        let count = min(u16(countBytes, 0), (length - ifd - 2) / 12)
        guard count > 0 else { return .up }
        let entries = try source.bytes(at: base + ifd + 2, count: count * 12)
        for entry in 0..<entries.count / 12 where u16(entries, entry * 12) == 0x0112 {
            // SHORT (type 3): the value sits in the first two bytes of the entry's value field.
            guard u16(entries, entry * 12 + 2) == 3 else { return .up }
            return Orientation(exifValue: u16(entries, entry * 12 + 8))
        }
        return .up
    }
}
