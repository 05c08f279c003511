/// The 1/8-scale picture of a progressive JPEG from its first DC scans, decoded here rather than by
/// libjpeg. libjpeg reads a progressive file into a whole-image buffer of coefficients, which it zeroes
/// first: for a 5120×2880 4:4:4 photo, 88 MB of memory written (some 22,000 page faults) to use one
/// coefficient in 64. This keeps only the DC values, one 16-bit number a block.
///
/// It gives libjpeg's own pixels: each block's value as libjpeg's 1×1 inverse DCT makes it (a 2×2 one for
/// chroma stored at half size, which from a DC alone gives the same value), chroma repeated over the
/// pixels it covers (libjpeg upsamples without interpolation at 1/8), and YCbCr turned to RGB with
/// libjpeg's fixed-point tables. Only the plain case is taken: 8-bit Huffman-coded progressive data, one
/// (grey) or three (YCbCr) components, no restart intervals, no ICC profile, no Adobe marker, no quantisation
/// table changed after the frame header, nothing libjpeg would warn about. Anything else, and any fault in
/// the data, gives nil, and libjpeg decodes the DC scans as before, with its own errors and warnings.
/// Like libjpeg's DC path, it does not wait for a DC refinement scan.
struct JPEGDCDecoder {
    /// The picture, grey or RGB, `ceil(width / 8)` × `ceil(height / 8)`.
    let pixels: PixelBuffer
    /// Scans read in whole, and bytes of the file up to the end of the last.
    let scansRead: Int
    let bytesRead: Int
    /// False when a DC scan sent its values without their lowest bits (successive approximation), which
    /// a refinement scan, not waited for, would add.
    let refined: Bool

    private struct Component {
        let id: UInt8
        let horizontal: Int
        let vertical: Int
        let table: Int
        /// Blocks a row, and rows, as stored (padded to whole MCUs of an interleaved scan).
        var stride = 0
        var rows = 0
        /// Blocks a row and rows of blocks that hold the picture (a non-interleaved scan codes only these).
        var width = 0
        var height = 0
        var values: [Int16] = []
        var present = false
    }

    private struct Frame {
        var width = 0
        var height = 0
        var components: [Component] = []
        var maxHorizontal = 1
        var maxVertical = 1
    }

    init?(_ bytes: [UInt8]) {
        var reader = MarkerReader(bytes: bytes)
        guard reader.expectStartOfImage() else { return nil }
        var quantisation = [Int?](repeating: nil, count: 4)
        var tables = [HuffmanTable?](repeating: nil, count: 4)
        var frame: Frame?
        var scans = 0
        var refined = true
        while let (code, segment) = reader.nextSegment() {
            switch code {
            case 0xDB:  // DQT: the first coefficient of each table is all the DC needs
                guard frame == nil, Self.readQuantisation(segment, into: &quantisation) else { return nil }
            case 0xC4:  // DHT
                guard Self.readHuffman(segment, into: &tables) else { return nil }
            case 0xC2:
                guard frame == nil, let read = Self.readFrame(segment, quantisation: quantisation) else { return nil }
                frame = read
            case 0xDA:
                guard var current = frame else { return nil }
                scans += 1
                guard let low = Self.decodeScan(segment, frame: &current, tables: tables, reader: &reader) else { return nil }
                refined = refined && low == 0
                frame = current
                if current.components.allSatisfy(\.present) {
                    guard let picture = Self.picture(current, quantisation: quantisation) else { return nil }
                    pixels = picture
                    scansRead = scans
                    bytesRead = reader.offset
                    self.refined = refined
                    return
                }
            case 0xDD:  // DRI: restart markers are left to libjpeg
                guard segment.elementsEqual([0, 0]) else { return nil }
            case 0xEE, 0xC0, 0xC1, 0xC3, 0xC5...0xC7, 0xC9...0xCB, 0xCD...0xCF, 0xD9:
                // Adobe's marker (it may say RGB or YCCK), any other frame type, or the end before the DC.
                return nil
            case 0xE2 where segment.starts(with: Array("ICC_PROFILE\0".utf8)):
                return nil
            default:
                continue  // APPn, COM
            }
        }
        return nil
    }

    // MARK: Segments

    private static func readQuantisation(_ segment: ArraySlice<UInt8>, into tables: inout [Int?]) -> Bool {
        var index = segment.startIndex
        while index < segment.endIndex {
            let precision = Int(segment[index] >> 4), id = Int(segment[index] & 0x0F)
            let size = precision == 0 ? 64 : 128
            guard precision <= 1, id < 4, index + 1 + size <= segment.endIndex else { return false }
            let first = precision == 0 ? Int(segment[index + 1]) : Int(segment[index + 1]) << 8 | Int(segment[index + 2])
            guard first > 0 else { return false }
            tables[id] = first
            index += 1 + size
        }
        return true
    }

    private static func readHuffman(_ segment: ArraySlice<UInt8>, into tables: inout [HuffmanTable?]) -> Bool {
        var index = segment.startIndex
        while index < segment.endIndex {
            guard index + 17 <= segment.endIndex else { return false }
            let kind = Int(segment[index] >> 4), id = Int(segment[index] & 0x0F)
            guard kind <= 1, id < 4 else { return false }
            let counts = Array(segment[(index + 1)..<(index + 17)]).map(Int.init)
            let total = counts.reduce(0, +)
            guard total <= 256, index + 17 + total <= segment.endIndex else { return false }
            let symbols = Array(segment[(index + 17)..<(index + 17 + total)])
            if kind == 0 {
                guard let table = HuffmanTable(counts: counts, symbols: symbols) else { return false }
                tables[id] = table
            }
            index += 17 + total
        }
        return true
    }

    private static func readFrame(_ segment: ArraySlice<UInt8>, quantisation: [Int?]) -> Frame? {
        let s = Array(segment)
        guard s.count >= 6, s[0] == 8 else { return nil }
        var frame = Frame()
        frame.height = Int(s[1]) << 8 | Int(s[2])
        frame.width = Int(s[3]) << 8 | Int(s[4])
        let count = Int(s[5])
        guard (1...65500).contains(frame.width), (1...65500).contains(frame.height), count == 1 || count == 3,
              s.count == 6 + 3 * count else { return nil }
        for index in 0..<count {
            let id = s[6 + 3 * index], factors = s[7 + 3 * index], table = Int(s[8 + 3 * index])
            let horizontal = Int(factors >> 4), vertical = Int(factors & 0x0F)
            guard (1...4).contains(horizontal), (1...4).contains(vertical), table < 4, quantisation[table] != nil else { return nil }
            frame.components.append(Component(id: id, horizontal: horizontal, vertical: vertical, table: table))
        }
        // Component ids R, G, B make libjpeg read the three as RGB, not YCbCr.
        if count == 3 && frame.components.map(\.id) == [0x52, 0x47, 0x42] { return nil }
        guard Set(frame.components.map(\.id)).count == count else { return nil }
        frame.maxHorizontal = frame.components.map(\.horizontal).max()!
        frame.maxVertical = frame.components.map(\.vertical).max()!
        // libjpeg upsamples only by whole factors.
        guard frame.components.allSatisfy({ frame.maxHorizontal % $0.horizontal == 0 && frame.maxVertical % $0.vertical == 0 })
        else { return nil }
        let mcuColumns = (frame.width + 8 * frame.maxHorizontal - 1) / (8 * frame.maxHorizontal)
        let mcuRows = (frame.height + 8 * frame.maxVertical - 1) / (8 * frame.maxVertical)
        for index in frame.components.indices {
            var component = frame.components[index]
            let samplesWide = (frame.width * component.horizontal + frame.maxHorizontal - 1) / frame.maxHorizontal
            let samplesHigh = (frame.height * component.vertical + frame.maxVertical - 1) / frame.maxVertical
            component.width = (samplesWide + 7) / 8
            component.height = (samplesHigh + 7) / 8
            component.stride = count == 1 ? component.width : mcuColumns * component.horizontal
            component.rows = count == 1 ? component.height : mcuRows * component.vertical
            component.values = [Int16](repeating: 0, count: component.stride * component.rows)
            frame.components[index] = component
        }
        return frame
    }

    /// Decodes a first DC scan. Any other scan before every component's DC is in (an AC scan, a DC
    /// refinement) is left to libjpeg, whose checks of the progression it would need.
    /// Returns the scan's point transform (the low bits it leaves out), nil when it is not one to decode.
    private static func decodeScan(_ segment: ArraySlice<UInt8>, frame: inout Frame, tables: [HuffmanTable?],
                                   reader: inout MarkerReader) -> Int? {
        let s = Array(segment)
        guard !s.isEmpty else { return nil }
        let count = Int(s[0])
        guard count >= 1, count <= 4, s.count == 4 + 2 * count else { return nil }
        let spectralStart = s[1 + 2 * count], spectralEnd = s[2 + 2 * count]
        let high = Int(s[3 + 2 * count] >> 4), low = Int(s[3 + 2 * count] & 0x0F)
        guard spectralStart == 0, spectralEnd == 0, high == 0, low <= 13 else { return nil }
        var members: [(index: Int, table: HuffmanTable)] = []
        for position in 0..<count {
            let tableID = Int(s[2 + 2 * position] >> 4)
            guard let index = frame.components.firstIndex(where: { $0.id == s[1 + 2 * position] }), tableID < tables.count,
                  let table = tables[tableID], !frame.components[index].present else { return nil }
            members.append((index, table))
        }
        guard Set(members.map(\.index)).count == count else { return nil }
        // libjpeg's limit on the blocks of one MCU.
        guard count == 1 || members.reduce(0, { $0 + frame.components[$1.index].horizontal * frame.components[$1.index].vertical }) <= 10
        else { return nil }
        var bits = BitReader(reader: reader)
        var predictions = [Int](repeating: 0, count: members.count)
        func decodeBlock(_ member: Int, into position: Int) -> Bool {
            guard let size = members[member].table.decode(&bits), size <= 11 else { return false }
            var difference = 0
            if size > 0 {
                guard let raw = bits.read(size) else { return false }
                difference = raw < 1 << (size - 1) ? raw - (1 << size) + 1 : raw
            }
            predictions[member] += difference
            let value = predictions[member] << low
            guard let stored = Int16(exactly: value) else { return false }
            frame.components[members[member].index].values[position] = stored
            return true
        }
        // The layout as plain numbers: a copy of a component would share its values, and every write
        // into them would then copy the whole array.
        let layout = members.map { member in
            let component = frame.components[member.index]
            return (h: component.horizontal, v: component.vertical, stride: component.stride, width: component.width, height: component.height)
        }
        if count == 1 {
            for row in 0..<layout[0].height {
                for column in 0..<layout[0].width where !decodeBlock(0, into: row * layout[0].stride + column) { return nil }
            }
        } else {
            let columns = (frame.width + 8 * frame.maxHorizontal - 1) / (8 * frame.maxHorizontal)
            let rows = (frame.height + 8 * frame.maxVertical - 1) / (8 * frame.maxVertical)
            for mcuRow in 0..<rows {
                for mcuColumn in 0..<columns {
                    for (member, shape) in layout.enumerated() {
                        for y in 0..<shape.v {
                            for x in 0..<shape.h {
                                let position = (mcuRow * shape.v + y) * shape.stride + mcuColumn * shape.h + x
                                guard decodeBlock(member, into: position) else { return nil }
                            }
                        }
                    }
                }
            }
        }
        // The scan must end where its data does: at most padding bits, then a marker.
        guard bits.endsAtMarker() else { return nil }
        reader.offset = bits.offset
        for entry in members { frame.components[entry.index].present = true }
        return low
    }

    /// The picture from the DC values: libjpeg's 1×1 inverse DCT, chroma repeated, libjpeg's colour tables.
    private static func picture(_ frame: Frame, quantisation: [Int?]) -> PixelBuffer? {
        let width = (frame.width + 7) / 8, height = (frame.height + 7) / 8
        let planes = frame.components.map { component -> [UInt8] in
            let q = quantisation[component.table]!
            return component.values.map { sample(Int($0) * q) }
        }
        if frame.components.count == 1 {
            let component = frame.components[0]
            var grey = [UInt8](repeating: 0, count: width * height)
            for y in 0..<height {
                for x in 0..<width { grey[y * width + x] = planes[0][y * component.stride + x] }
            }
            return PixelBuffer(width: width, height: height, layout: .grey, pixels: grey)
        }
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        let c = frame.components
        for y in 0..<height {
            let rows = c.map { y * $0.vertical / frame.maxVertical * $0.stride }
            for x in 0..<width {
                let luma = Int(planes[0][rows[0] + x * c[0].horizontal / frame.maxHorizontal])
                let cb = Int(planes[1][rows[1] + x * c[1].horizontal / frame.maxHorizontal])
                let cr = Int(planes[2][rows[2] + x * c[2].horizontal / frame.maxHorizontal])
                let out = (y * width + x) * 3
                rgb[out] = clamp(luma + YCbCrTables.crToRed[cr])
                rgb[out + 1] = clamp(luma + (YCbCrTables.cbToGreen[cb] + YCbCrTables.crToGreen[cr]) >> 16)
                rgb[out + 2] = clamp(luma + YCbCrTables.cbToBlue[cb])
            }
        }
        return PixelBuffer(width: width, height: height, layout: .rgb, pixels: rgb)
    }

    /// libjpeg's 1×1 inverse DCT of a dequantised DC: (v + 4) >> 3, level-shifted by 128, through its
    /// post-IDCT range table, which clamps within ±384 of the range and wraps beyond (so a wild value
    /// comes out as libjpeg's does).
    static func sample(_ dequantised: Int) -> UInt8 {
        let index = ((dequantised + 4) >> 3) & 1023
        switch index {
        case 0..<128: return UInt8(index + 128)
        case 128..<512: return 255
        case 512..<896: return 0
        default: return UInt8(index - 896)
        }
    }

    private static func clamp(_ value: Int) -> UInt8 { UInt8(max(0, min(255, value))) }
}

/// libjpeg's fixed-point YCbCr → RGB tables (jdcolor.c, 16 fractional bits).
private enum YCbCrTables {
    static func fixed(_ x: Double) -> Int { Int(x * 65536 + 0.5) }
    static let crToRed = (0..<256).map { (fixed(1.40200) * ($0 - 128) + 32768) >> 16 }
    static let cbToBlue = (0..<256).map { (fixed(1.77200) * ($0 - 128) + 32768) >> 16 }
    static let crToGreen = (0..<256).map { -fixed(0.71414) * ($0 - 128) }
    static let cbToGreen = (0..<256).map { -fixed(0.34414) * ($0 - 128) + 32768 }
}

/// A DC Huffman table (JPEG, annex C and F.2.2.3): the largest code of each length, and where that
/// length's symbols start.
private struct HuffmanTable {
    private var maxCode = [Int](repeating: -1, count: 17)
    private var offset = [Int](repeating: 0, count: 17)
    private var symbols: [UInt8] = []

    init?(counts: [Int], symbols: [UInt8]) {
        self.symbols = symbols
        var code = 0, index = 0
        for length in 1...16 {
            let count = counts[length - 1]
            offset[length] = index - code
            code += count
            index += count
            maxCode[length] = count > 0 ? code - 1 : -1
            // A length's codes must fit in its bits, none all ones (libjpeg: "Bogus Huffman table").
            guard count == 0 || code < 1 << length else { return nil }
            code <<= 1
        }
    }

    func decode(_ bits: inout BitReader) -> Int? {
        var code = 0
        for length in 1...16 {
            guard let bit = bits.read(1) else { return nil }
            code = code << 1 | bit
            if code <= maxCode[length] {
                let index = offset[length] + code
                return index < symbols.count ? Int(symbols[index]) : nil
            }
        }
        return nil
    }
}

/// Walks a JPEG's marker segments; the entropy-coded data after each scan header is a `BitReader`'s.
private struct MarkerReader {
    let bytes: [UInt8]
    var offset = 0

    mutating func expectStartOfImage() -> Bool {
        guard bytes.count >= 2, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return false }
        offset = 2
        return true
    }

    /// The next marker and its segment (without the length), or nil at the end, at EOI (returned as
    /// 0xD9 with an empty segment) or when the bytes stop making sense.
    mutating func nextSegment() -> (UInt8, ArraySlice<UInt8>)? {
        guard offset + 1 < bytes.count, bytes[offset] == 0xFF else { return nil }
        var at = offset + 1
        while at < bytes.count && bytes[at] == 0xFF { at += 1 }
        guard at < bytes.count else { return nil }
        let code = bytes[at]
        if code == 0xD9 { return (code, []) }
        guard code != 0x00, code != 0x01, !(0xD0...0xD8).contains(code), at + 2 < bytes.count else { return nil }
        let length = Int(bytes[at + 1]) << 8 | Int(bytes[at + 2])
        guard length >= 2, at + 1 + length <= bytes.count else { return nil }
        offset = at + 1 + length
        return (code, bytes[(at + 3)..<(at + 1 + length)])
    }
}

/// Reads entropy-coded bits, most significant first, undoing byte stuffing (0xFF 0x00). A marker ends the
/// data: asking for bits past it is a failure (where libjpeg would warn and read zeros).
private struct BitReader {
    let bytes: [UInt8]
    private(set) var offset: Int
    private var buffer = 0
    private var count = 0

    init(reader: MarkerReader) {
        bytes = reader.bytes
        offset = reader.offset
    }

    mutating func read(_ wanted: Int) -> Int? {
        while count < wanted {
            guard offset < bytes.count else { return nil }
            let byte = bytes[offset]
            if byte == 0xFF {
                guard offset + 1 < bytes.count, bytes[offset + 1] == 0x00 else { return nil }
                offset += 2
            } else {
                offset += 1
            }
            buffer = buffer << 8 | Int(byte)
            count += 8
        }
        count -= wanted
        let value = (buffer >> count) & ((1 << wanted) - 1)
        buffer &= (1 << count) - 1
        return value
    }

    /// True when the bits left in the current byte are padding and a marker comes next.
    func endsAtMarker() -> Bool {
        guard count < 8, offset + 1 < bytes.count, bytes[offset] == 0xFF else { return false }
        let next = bytes[offset + 1]
        return next != 0x00 && !(0xD0...0xD7).contains(next)
    }
}
