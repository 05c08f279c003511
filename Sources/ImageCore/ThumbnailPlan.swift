/// The geometry of one thumbnail, decided from the header alone before any pixel is decoded.
public struct ThumbnailPlan: Sendable, Equatable {
    /// The picture after resizing, upright (before crop or pad).
    public var resizedWidth: Int
    public var resizedHeight: Int
    /// The final canvas: the resized size for `inside`, the box for `cover` and `pad`.
    public var outputWidth: Int
    public var outputHeight: Int
    /// The resized size in stored orientation: what the resampler produces before rotating.
    public var storedTargetWidth: Int
    public var storedTargetHeight: Int
    /// How many times smaller than stored the target is (the smaller of the two axes' factors).
    public var reduction: Double
    /// A progressive JPEG whose 1/8-scale picture is at least the target (libvips's rule for shrink-on-load):
    /// its DC scans, the first few of the file, already hold every pixel the thumbnail needs, each the
    /// average of an 8×8 block, a sound prefilter for the Lanczos step. In linear light only when the usual
    /// 2× headroom allows 1/8 anyway, since block averages are taken on the stored (gamma) values.
    public var jpegDCScansSuffice: Bool

    public init(info: ImageInfo, options: ThumbnailOptions) {
        let width = Double(info.width), height = Double(info.height)
        let scaleX = options.width.map { Double($0) / width } ?? .infinity
        let scaleY = options.height.map { Double($0) / height } ?? .infinity
        var scale = options.fit == .cover ? max(scaleX, scaleY) : min(scaleX, scaleY)
        if !scale.isFinite { scale = 1 }
        if !options.upscale { scale = min(scale, 1) }
        resizedWidth = max(1, Int((width * scale).rounded()))
        resizedHeight = max(1, Int((height * scale).rounded()))
        switch options.fit {
        case .inside:
            outputWidth = resizedWidth
            outputHeight = resizedHeight
        case .cover:
            outputWidth = min(options.width ?? resizedWidth, resizedWidth)
            outputHeight = min(options.height ?? resizedHeight, resizedHeight)
        case .pad:
            outputWidth = options.width ?? resizedWidth
            outputHeight = options.height ?? resizedHeight
        }
        let swaps = info.orientation.swapsDimensions
        storedTargetWidth = swaps ? resizedHeight : resizedWidth
        storedTargetHeight = swaps ? resizedWidth : resizedHeight
        reduction = min(Double(info.storedWidth) / Double(storedTargetWidth),
                        Double(info.storedHeight) / Double(storedTargetHeight))
        let eighthFits = (info.storedWidth + 7) / 8 >= storedTargetWidth && (info.storedHeight + 7) / 8 >= storedTargetHeight
        jpegDCScansSuffice = info.format == .jpeg && info.isProgressive && eighthFits
            && (options.light == .gamma || reduction >= 16)
    }

    /// The JPEG DCT scale denominator (1, 2, 4 or 8): 8 where the DC scans suffice, else the largest that
    /// still leaves at least a 2× reduction for the resampler, since a block shrink alone aliases.
    public var jpegScale: Int {
        if jpegDCScansSuffice { return 8 }
        return [8, 4, 2].first { reduction / Double($0) >= 2 } ?? 1
    }

    /// The integer box pre-reduction for what is left after shrink-on-load, again leaving at least 2× for
    /// the Lanczos filter: box filtering is cheap, Lanczos over a large factor is not.
    static func boxFactor(remaining: Double) -> Int {
        max(1, Int((remaining / 2).rounded(.down)))
    }
}
