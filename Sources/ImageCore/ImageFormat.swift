/// The three formats imagepipe reads and writes. A file's format is decided by its first bytes, never by
/// its name: a JPEG saved as `photo.png` is a JPEG.
public enum ImageFormat: String, Sendable, CaseIterable, Codable {
    case jpeg
    case png
    case webp

    /// The format whose signature starts `bytes`, or nil. Needs at most 12 bytes.
    public static func detect<Bytes: Collection>(_ bytes: Bytes) -> ImageFormat? where Bytes.Element == UInt8 {
        let head = Array(bytes.prefix(12))
        if head.count >= 3, head[0] == 0xFF, head[1] == 0xD8, head[2] == 0xFF { return .jpeg }
        if head.count >= 8, head[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            return .png
        }
        if head.count >= 12, head[0..<4].elementsEqual(Array("RIFF".utf8)),
            head[8..<12].elementsEqual(Array("WEBP".utf8))
        {
            return .webp
        }
        return nil
    }

    /// The format a file name's extension asks for (`.jpg`, `.jpeg`, `.png`, `.webp`, any case), or nil.
    public init?(fileExtension: String) {
        switch fileExtension.lowercased() {
        case "jpg", "jpeg", "jpe": self = .jpeg
        case "png": self = .png
        case "webp": self = .webp
        default: return nil
        }
    }

    /// The extension imagepipe gives files it writes in this format.
    public var fileExtension: String {
        switch self {
        case .jpeg: "jpg"
        case .png: "png"
        case .webp: "webp"
        }
    }

    /// The name people know the format by, for messages.
    public var displayName: String {
        switch self {
        case .jpeg: "JPEG"
        case .png: "PNG"
        case .webp: "WebP"
        }
    }

    /// Whether the format can store an alpha channel; JPEG output is flattened onto a background.
    public var supportsAlpha: Bool { self != .jpeg }

    /// A guess at what a file that is none of the three is, from its first bytes, so that an error can say
    /// "looks like a GIF" instead of only "unknown format".
    static func describeForeign(_ head: [UInt8]) -> String? {
        func starts(_ text: String, at offset: Int = 0) -> Bool {
            let pattern = Array(text.utf8)
            return head.count >= offset + pattern.count && head[offset..<offset + pattern.count].elementsEqual(pattern)
        }
        let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        if head.count >= 8, zip(head, pngSignature).filter({ $0 != $1 }).count <= 2 {
            return "a PNG whose signature is damaged, as by a text-mode transfer"
        }
        if starts("GIF8") { return "a GIF image" }
        if starts("BM") { return "a BMP image" }
        if starts("II*\u{0}") || starts("MM\u{0}*") { return "a TIFF image" }
        if starts("ftypheic", at: 4) || starts("ftypheix", at: 4) || starts("ftypmif1", at: 4) {
            return "a HEIF/HEIC image"
        }
        if starts("ftypavif", at: 4) { return "an AVIF image" }
        if starts("%PDF") { return "a PDF document" }
        if starts("<!DOCTYPE") || starts("<html") || starts("<HTML") || starts("<?xml") || starts("<svg") {
            return "an HTML, XML or SVG text"
        }
        if starts("{") || starts("[") { return "JSON or other text" }
        if starts("RIFF") { return "a RIFF file that is not WebP" }
        if head.count >= 2, head[0] == 0xFF, head[1] == 0xD8 { return "a broken JPEG (no marker after SOI)" }
        return nil
    }
}
