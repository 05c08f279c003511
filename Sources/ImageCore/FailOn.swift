/// How strict decoding is. Decoders recover from many kinds of damage silently, padding a cut-off photo
/// with grey; a tool that verifies paid-for outputs must notice instead.
public enum FailOn: String, Sendable, CaseIterable, Codable {
    /// Accept whatever can be decoded; missing rows stay zero (JPEG: grey).
    case none
    /// Fail when the data ends early. The default: real photos with harmless quirks still pass.
    case truncated
    /// Also fail on damaged data the decoder worked around (bad Huffman codes, CRC mismatches).
    case error
    /// Also fail on every warning, harmless ones included (odd EXIF units, known-incorrect sRGB profiles).
    case warning
}
