import CPNG

/// Where a plain PNG's image data lies, so that it can be read outside libpng (see `PNGRowPipeline`): the
/// IDAT chunks, in order. Only a file whose end libpng would read without a word qualifies: one run of
/// IDAT chunks, then nothing but tEXt chunks (which libpng stores without looking inside) and IEND, each
/// of those with its CRC right. Anything else gives nil and libpng reads the file as before, with its own
/// errors and warnings. The chunks before the image data are libpng's to judge (it has read them by the
/// time this is asked); the IDAT chunks' CRCs are checked as they are inflated.
struct PNGImageData {
    /// One IDAT chunk: where its payload lies, and the CRC that covers its type and payload.
    struct Chunk: Equatable {
        /// The chunk's type and payload: what its CRC covers.
        let checked: Range<Int>
        let crc: UInt32

        var payload: Range<Int> { (checked.lowerBound + 4)..<checked.upperBound }
    }

    let chunks: [Chunk]

    init?(_ bytes: [UInt8]) {
        var chunks: [Chunk] = []
        var offset = 8
        var afterImageData = false
        while offset + 12 <= bytes.count {
            let length = Self.be32(bytes, offset)
            guard length <= Int(Int32.max), offset + 12 + length <= bytes.count else { return nil }
            let checked = (offset + 4)..<(offset + 8 + length)
            let crc = UInt32(Self.be32(bytes, offset + 8 + length))
            let type = bytes[checked.lowerBound..<(checked.lowerBound + 4)]
            offset = checked.upperBound + 4
            if type.elementsEqual("IDAT".utf8) {
                guard !afterImageData else { return nil }
                chunks.append(Chunk(checked: checked, crc: crc))
                continue
            }
            if chunks.isEmpty { continue }
            afterImageData = true
            let isEnd = type.elementsEqual("IEND".utf8)
            guard isEnd || type.elementsEqual("tEXt".utf8), Self.crc(of: bytes, checked) == crc else { return nil }
            if isEnd {
                guard length == 0 else { return nil }
                self.chunks = chunks
                return
            }
        }
        return nil
    }

    /// CRC-32 of `range` within `bytes`, as PNG chunks use it (zlib's).
    static func crc(of bytes: [UInt8], _ range: Range<Int>) -> UInt32 {
        bytes[range].withUnsafeBufferPointer { ippng_crc32(0, $0.baseAddress, $0.count) }
    }

    private static func be32(_ bytes: [UInt8], _ at: Int) -> Int {
        Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
    }
}
