/// How a file stores colour, as its header says (before any conversion for decoding).
public enum ColorModel: String, Sendable, Codable {
    /// One channel of grey (JPEG greyscale, PNG colour types 0 and 4).
    case grey
    /// Red, green and blue, or YCbCr that decodes to them.
    case rgb
    /// Cyan, magenta, yellow and black ink (print JPEGs, often Adobe-inverted); decoded to RGB.
    case cmyk
    /// Indexes into a palette (PNG colour type 3); decoded to RGB or RGBA.
    case palette
}
