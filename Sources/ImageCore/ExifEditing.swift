/// Edits of an EXIF (TIFF) block that keeping metadata needs.
enum ExifEditing {
    static let orientationTag = 0x0112

    /// The block without IFD0's orientation entry: the pixels written are already upright, and a kept
    /// orientation tag would make viewers turn them a second time. The entry is removed in place (the
    /// entries after it move up, the count drops by one); every offset in TIFF is from the start of the
    /// block, so nothing else moves. A block that cannot be parsed is returned unchanged without its
    /// orientation (nil): better no EXIF than a wrongly turned picture.
    static func removingOrientation(_ tiff: [UInt8]) -> [UInt8]? {
        guard tiff.count >= 8 else { return nil }
        let little: Bool
        switch (tiff[0], tiff[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func u16(_ at: Int) -> Int { little ? Int(tiff[at]) | Int(tiff[at + 1]) << 8 : Int(tiff[at]) << 8 | Int(tiff[at + 1]) }
        func u32(_ at: Int) -> Int {
            little ? Int(tiff[at]) | Int(tiff[at + 1]) << 8 | Int(tiff[at + 2]) << 16 | Int(tiff[at + 3]) << 24
                : Int(tiff[at]) << 24 | Int(tiff[at + 1]) << 16 | Int(tiff[at + 2]) << 8 | Int(tiff[at + 3])
        }
        let ifd = u32(4)
        guard ifd >= 8, ifd + 2 <= tiff.count else { return nil }
        let count = u16(ifd)
        let entries = ifd + 2
        let end = entries + count * 12 + 4  // the entries and the next-IFD offset
        guard end <= tiff.count else { return nil }
        guard let index = (0..<count).first(where: { u16(entries + $0 * 12) == orientationTag }) else { return tiff }
        var out = tiff
        let newCount = count - 1
        if little { out[ifd] = UInt8(newCount & 0xFF); out[ifd + 1] = UInt8(newCount >> 8) } else {
            out[ifd] = UInt8(newCount >> 8); out[ifd + 1] = UInt8(newCount & 0xFF)
        }
        let removed = entries + index * 12
        out.replaceSubrange(removed..<end - 12, with: tiff[(removed + 12)..<end])
        for position in (end - 12)..<end { out[position] = 0 }
        return out
    }

    /// The orientation IFD0 records, or nil; for tests and reports.
    static func orientation(in tiff: [UInt8]) -> Int? {
        guard tiff.count >= 8, tiff[0] == tiff[1], tiff[0] == 0x49 || tiff[0] == 0x4D else { return nil }
        let little = tiff[0] == 0x49
        func u16(_ at: Int) -> Int { little ? Int(tiff[at]) | Int(tiff[at + 1]) << 8 : Int(tiff[at]) << 8 | Int(tiff[at + 1]) }
        let ifd = little ? Int(tiff[4]) | Int(tiff[5]) << 8 | Int(tiff[6]) << 16 | Int(tiff[7]) << 24
            : Int(tiff[4]) << 24 | Int(tiff[5]) << 16 | Int(tiff[6]) << 8 | Int(tiff[7])
        guard ifd >= 8, ifd + 2 <= tiff.count else { return nil }
        let count = u16(ifd)
        for index in 0..<count {
            let entry = ifd + 2 + index * 12
            guard entry + 12 <= tiff.count else { return nil }
            if u16(entry) == orientationTag { return u16(entry + 8) }
        }
        return nil
    }
}
