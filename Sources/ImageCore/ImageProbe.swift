/// Reads what a file is (format by content, size, orientation, alpha, ...) from its header alone.
public enum ImageProbe {
    /// Probes the file at `path`, reading only the bytes its header needs.
    public static func probe(path: String, limits: ImageLimits = .reference) throws(ProbeError) -> ImageInfo {
        let source = try ByteSource(path: path)
        defer { source.close() }
        return try probe(source, limits: limits)
    }

    /// Probes a file already in memory; `path` is only for messages.
    public static func probe(bytes: [UInt8], path: String, limits: ImageLimits = .reference) throws(ProbeError) -> ImageInfo {
        try probe(ByteSource(path: path, memory: bytes), limits: limits)
    }

    static func probe(_ source: ByteSource, limits: ImageLimits) throws(ProbeError) -> ImageInfo {
        guard source.size > 0 else { throw .empty(path: source.path) }
        try limits.check(bytes: source.size, path: source.path)
        let head = try source.bytes(at: 0, count: 16)
        let info: ImageInfo
        switch ImageFormat.detect(head) {
        case .jpeg: info = try JPEGHeaderParser.parse(source)
        case .png: info = try PNGHeaderParser.parse(source)
        case .webp: info = try WebPHeaderParser.parse(source)
        case nil:
            throw .notAnImage(path: source.path, leadingBytes: head, guess: ImageFormat.describeForeign(head))
        }
        try limits.check(info, path: source.path)
        return info
    }
}
