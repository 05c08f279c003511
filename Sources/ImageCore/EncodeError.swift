/// Why an image could not be encoded or written.
public enum EncodeError: FileError, Equatable {
    /// The output name's extension is not one of .jpg/.jpeg, .png or .webp.
    case unsupportedExtension(path: String, fileExtension: String)
    /// An option is out of its range ("expected quality 1-100 but received 0").
    case invalidOption(path: String, name: String, expected: String, received: String)
    /// The codec library refused to encode; `detail` is its own message.
    case failed(path: String, format: ImageFormat, detail: String)
    /// The encoded bytes could not be written; nothing is left at `path`.
    case writeFailed(path: String, detail: String)

    public var path: String {
        switch self {
        case .unsupportedExtension(let path, _), .invalidOption(let path, _, _, _), .failed(let path, _, _),
            .writeFailed(let path, _):
            path
        }
    }

    public var reason: String {
        switch self {
        case .unsupportedExtension(_, let ext):
            "cannot tell the output format from the extension '\(ext)'; use .jpg, .jpeg, .png or .webp"
        case .invalidOption(_, let name, let expected, let received):
            "expected \(expected) for \(name) but received \(received)"
        case .failed(_, let format, let detail):
            "cannot encode \(format.displayName): \(detail)"
        case .writeFailed(_, let detail):
            "cannot write the file: \(detail)"
        }
    }
}
