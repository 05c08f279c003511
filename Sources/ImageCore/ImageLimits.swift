/// Limits checked from the header, before any pixel buffer is allocated, so that a hostile header
/// (200000×200000 in a 100-byte file) costs nothing.
public struct ImageLimits: Sendable, Equatable {
    /// Largest file accepted, in bytes; nil for no limit. The service takes references of "at most 30 MB",
    /// read conservatively as 30,000,000 bytes.
    public var maxBytes: Int?
    /// Largest stored width × height accepted; nil for no limit.
    public var maxPixels: Int?

    /// The service's reference-size limit, in bytes.
    public static let referenceBytes = 30_000_000
    /// The default pixel limit: 100 megapixels, about 400 MB of RGBA.
    public static let defaultPixels = 100_000_000

    public init(maxBytes: Int? = nil, maxPixels: Int? = ImageLimits.defaultPixels) {
        self.maxBytes = maxBytes
        self.maxPixels = maxPixels
    }

    /// The limits of a reference image for the service: 30,000,000 bytes and 100 megapixels.
    public static let reference = ImageLimits(maxBytes: referenceBytes, maxPixels: defaultPixels)

    func check(bytes: Int, path: String) throws(ProbeError) {
        if let maxBytes, bytes > maxBytes { throw .tooManyBytes(path: path, bytes: bytes, limit: maxBytes) }
    }

    func check(_ info: ImageInfo, path: String) throws(ProbeError) {
        if let maxPixels, info.storedWidth * info.storedHeight > maxPixels {
            throw .tooManyPixels(path: path, width: info.storedWidth, height: info.storedHeight, limit: maxPixels)
        }
    }
}
