/// Why decoding a file's pixels failed, after its header was read.
public enum DecodeError: FileError, Equatable {
    /// The data ends early: without this error the decoder would pad the picture with grey.
    case truncated(path: String, format: ImageFormat, detail: String)
    /// The data is damaged (bad Huffman code, CRC mismatch, lost sync): some pixels are wrong.
    case corrupt(path: String, format: ImageFormat, detail: String)
    /// The decoder warned, and `--fail-on warning` turns every warning into a failure.
    case warning(path: String, format: ImageFormat, detail: String)
    /// The codec library refused the file for another reason; `detail` is its own message.
    case failed(path: String, format: ImageFormat, detail: String)
    /// The pixel buffer could not be allocated.
    case outOfMemory(path: String, bytes: Int)
    /// A progressive JPEG with more scans than `limit`: refused before it can take minutes to decode.
    case tooManyScans(path: String, limit: Int)
    /// Decoding would need `bytes` of memory (from the header: picture, codec store), more than the
    /// budget `limit` (`ImageLimits.memoryLimit`); refused before anything was allocated.
    case tooMuchMemory(path: String, bytes: Int, limit: Int)

    public var path: String {
        switch self {
        case .truncated(let path, _, _), .corrupt(let path, _, _), .warning(let path, _, _),
            .failed(let path, _, _), .outOfMemory(let path, _), .tooManyScans(let path, _),
            .tooMuchMemory(let path, _, _):
            path
        }
    }

    public var reason: String {
        switch self {
        case .truncated(_, let format, let detail):
            "truncated \(format.displayName) data (\(detail))"
        case .corrupt(_, let format, let detail):
            "corrupt \(format.displayName) data (\(detail))"
        case .warning(_, let format, let detail):
            "\(format.displayName) decoder warning rejected by --fail-on warning (\(detail))"
        case .failed(_, let format, let detail):
            "cannot decode \(format.displayName): \(detail)"
        case .outOfMemory(_, let bytes):
            "out of memory allocating \(grouped(bytes)) bytes for the pixels"
        case .tooManyScans(_, let limit):
            "JPEG refused: more than \(limit) scans (real encoders write at most a few dozen; each scan costs a pass over the whole image)"
        case .tooMuchMemory(_, let bytes, let limit):
            "decoding needs \(grouped(bytes)) bytes of memory; the limit is \(grouped(limit)) bytes"
        }
    }
}
