/// Limits checked from the header, before any pixel buffer is allocated, so that a hostile header
/// (200000×200000 in a 100-byte file) costs nothing.
///
/// Every limit has a ceiling inside ImageCore that no caller can lift: `nil` means "up to the ceiling",
/// and a larger value is held to it. So every decode has a limit, whoever asks for it.
///
/// Memory: a decode holds at most `memoryLimit` bytes, by default `memoryBytesPerPixel` (8) bytes per
/// pixel of the pixel limit: 800 MB at the default 100 megapixels. What a file needs is worked out from
/// its header before anything is allocated, and a file that needs more is refused
/// (`DecodeError.tooMuchMemory`); libjpeg is held to the same budget by its own `max_memory_to_use`.
/// Per stored pixel a full decode needs 1 to 4 bytes for the picture (grey to RGBA; CMYK JPEG 4 + 3 while
/// converted), the same again while it is turned upright, plus what the codec keeps: about 2 bytes per
/// sample for a progressive JPEG's coefficients (3 bytes per pixel at 4:2:0, 6 at 4:4:4), 4 for lossless
/// WebP, 8 for an animated WebP's canvases. `ImageDecoder.check` keeps no picture at all: a few rows for
/// JPEG and PNG (plus the coefficients of a progressive JPEG), the codec's own buffers for WebP.
public struct ImageLimits: Sendable, Equatable {
    /// Largest file accepted, in bytes; nil for the ceiling. The service takes references of "at most
    /// 30 MB", read conservatively as 30,000,000 bytes.
    public var maxBytes: Int?
    /// Largest stored width × height accepted; nil for the ceiling.
    public var maxPixels: Int?
    /// Most memory one decode may hold, in bytes; nil for `memoryBytesPerPixel` × the pixel limit.
    public var maxMemory: Int?

    /// The service's reference-size limit, in bytes.
    public static let referenceBytes = 30_000_000
    /// The default pixel limit: 100 megapixels, about 400 MB of RGBA.
    public static let defaultPixels = 100_000_000

    /// The most pixels any decode accepts, whatever a caller asks: 16383 × 16383, the largest WebP, and
    /// the default limit of sharp (libvips) for the same reason: about 1 GB of RGBA.
    public static let ceilingPixels = 16383 * 16383
    /// The largest file any decode reads into memory, whatever a caller asks: 1 GiB.
    public static let ceilingBytes = 1 << 30
    /// Memory one decode may hold per pixel of the pixel limit, when no other budget is given.
    public static let memoryBytesPerPixel = 8
    /// The most memory any decode may hold, whatever a caller asks.
    public static let ceilingMemory = memoryBytesPerPixel * ceilingPixels

    public init(maxBytes: Int? = nil, maxPixels: Int? = ImageLimits.defaultPixels, maxMemory: Int? = nil) {
        self.maxBytes = maxBytes
        self.maxPixels = maxPixels
        self.maxMemory = maxMemory
    }

    /// The limits of a reference image for the service: 30,000,000 bytes and 100 megapixels.
    public static let reference = ImageLimits(maxBytes: referenceBytes, maxPixels: defaultPixels)

    /// The byte limit in force: `maxBytes` held to the ceiling.
    public var byteLimit: Int { min(maxBytes ?? Self.ceilingBytes, Self.ceilingBytes) }
    /// The pixel limit in force: `maxPixels` held to the ceiling.
    public var pixelLimit: Int { min(maxPixels ?? Self.ceilingPixels, Self.ceilingPixels) }
    /// The memory budget of one decode in force, held to the ceiling.
    public var memoryLimit: Int { min(maxMemory ?? Self.memoryBytesPerPixel * pixelLimit, Self.ceilingMemory) }

    func check(bytes: Int, path: String) throws(ProbeError) {
        if bytes > byteLimit { throw .tooManyBytes(path: path, bytes: bytes, limit: byteLimit) }
    }

    func check(_ info: ImageInfo, path: String) throws(ProbeError) {
        if info.storedWidth * info.storedHeight > pixelLimit {
            throw .tooManyPixels(path: path, width: info.storedWidth, height: info.storedHeight, limit: pixelLimit)
        }
    }
}
