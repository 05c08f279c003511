/// Why a file's header could not be read or was refused, found before any pixel is decoded.
public enum ProbeError: FileError, Equatable {
    /// The file could not be opened or read (missing, a directory, no permission).
    case unreadable(path: String, reason: String)
    /// The file has no bytes at all.
    case empty(path: String)
    /// The content is none of JPEG, PNG or WebP, whatever the file's name says.
    case notAnImage(path: String, leadingBytes: [UInt8], guess: String?)
    /// The file ends inside its header.
    case truncatedHeader(path: String, format: ImageFormat)
    /// The header is present but breaks its format's rules.
    case invalidHeader(path: String, format: ImageFormat, detail: String)
    /// The file is larger than the byte limit (30,000,000 by default: the service's "30 MB").
    case tooManyBytes(path: String, bytes: Int, limit: Int)
    /// Width × height is above the pixel limit; refused before any buffer is allocated.
    case tooManyPixels(path: String, width: Int, height: Int, limit: Int)

    public var path: String {
        switch self {
        case .unreadable(let path, _), .empty(let path), .notAnImage(let path, _, _),
            .truncatedHeader(let path, _), .invalidHeader(let path, _, _), .tooManyBytes(let path, _, _),
            .tooManyPixels(let path, _, _, _):
            path
        }
    }

    public var reason: String {
        switch self {
        case .unreadable(_, let reason):
            "cannot read the file: \(reason)"
        case .empty:
            "the file is empty (0 bytes)"
        case .notAnImage(_, let head, let guess):
            "not a JPEG, PNG or WebP file"
                + (guess.map { " (it looks like \($0))" } ?? "")
                + "; it starts with " + head.prefix(8).map { hex($0) }.joined(separator: " ")
        case .truncatedHeader(_, let format):
            "the \(format.displayName) file ends inside its header (truncated)"
        case .invalidHeader(_, let format, let detail):
            "invalid \(format.displayName) header: \(detail)"
        case .tooManyBytes(_, let bytes, let limit):
            "the file is \(grouped(bytes)) bytes; the limit is \(grouped(limit)) bytes"
        case .tooManyPixels(_, let width, let height, let limit):
            "\(width)×\(height) is \(grouped(width * height)) pixels; the limit is \(grouped(limit)) pixels"
        }
    }
}

private func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
}
