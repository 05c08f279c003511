/// A finished thumbnail in memory, with the decisions that made it.
public struct Thumbnail: Sendable {
    public var pixels: PixelBuffer
    public var iccProfile: [UInt8]?
    /// The metadata the thumbnail will carry (see `ThumbnailOptions.metadata`).
    public var metadata: ImageMetadata
    /// The source's header facts.
    public var info: ImageInfo
    public var plan: ThumbnailPlan
    /// One line per decision (loader and shrink-on-load factor, box factor, filter, final size), for `--verbose`.
    public var decisions: [String]
    /// Decoder warnings the `FailOn` policy let through.
    public var warnings: [String]
}

/// Makes thumbnails in one fixed order, after libvips: read the header → work out the orientation-aware
/// target → decode no more pixels than needed (JPEG DCT scaling, WebP scaled decode, PNG rows reduced as
/// they stream in) → box-reduce to about twice the target → Lanczos-3 to the exact size, in premultiplied
/// alpha → turn upright → crop or pad. Only then is it encoded.
public enum Thumbnailer {
    /// The thumbnail of the file at `path`, in memory.
    public static func thumbnail(path: String, options: ThumbnailOptions) throws -> Thumbnail {
        if let problem = options.problems.first { throw ThumbnailError.invalidOptions(path: path, detail: problem) }
        let bytes = try FileBytes.read(path, maxBytes: options.limits.maxBytes)
        return try thumbnail(bytes: bytes, path: path, options: options)
    }

    /// The thumbnail of a file already in memory; `path` names it in errors.
    public static func thumbnail(bytes: [UInt8], path: String, options: ThumbnailOptions) throws -> Thumbnail {
        let info = try ImageProbe.probe(bytes: bytes, path: path, limits: options.limits)
        let plan = ThumbnailPlan(info: info, options: options)
        let tables = TransferTables.forLight(options.light)
        var decisions: [String] = []
        let reduced: FloatImage
        var icc: [UInt8]?
        var warnings: [String] = []

        switch info.format {
        case .jpeg:
            let raw = try loadJPEG(bytes, path: path, info: info, plan: plan, failOn: options.failOn,
                                memoryLimit: options.limits.memoryLimit, decisions: &decisions)
            reduced = boxReduce(raw.pixels, plan: plan, tables: tables, decisions: &decisions)
            (icc, warnings) = (raw.iccProfile, raw.warnings)
        case .webp:
            let factor = ThumbnailPlan.boxFactor(remaining: plan.reduction)
            let scaled = factor > 1 && !info.isAnimated
                ? (width: (info.storedWidth + factor - 1) / factor, height: (info.storedHeight + factor - 1) / factor) : nil
            let raw = try LibWebP.decode(bytes, path: path, failOn: options.failOn, info: info, scaledTo: scaled,
                                         forThumbnail: true, memoryLimit: options.limits.memoryLimit)
            decisions.append(scaled != nil
                ? "loader: webp, scaled decode 1/\(factor) → \(raw.pixels.width)×\(raw.pixels.height)"
                : "loader: webp, full decode \(raw.pixels.width)×\(raw.pixels.height)" + (info.isAnimated ? " (first frame)" : ""))
            reduced = boxReduce(raw.pixels, plan: plan, tables: tables, decisions: &decisions)
            (icc, warnings) = (raw.iccProfile, raw.warnings)
        case .png:
            let factor = ThumbnailPlan.boxFactor(remaining: plan.reduction)
            var reducer: BoxReducer?
            let result = try LibPNG.stream(bytes, path: path, failOn: options.failOn, start: { width, height, layout in
                reducer = BoxReducer(width: width, height: height, layout: layout, factor: factor, tables: tables)
                return max(factor, 16)
            }, consume: { rows, count in
                reducer?.consume(rows, count: count)
            })
            guard let reducer else { throw DecodeError.failed(path: path, format: .png, detail: "no image data") }
            decisions.append("loader: png, rows streamed" + (info.isProgressive ? " (interlaced: decoded whole first)" : "")
                + (result.pipelined ? " (image data inflated beside the filters, past libpng)" : ""))
            decisions.append("box: \(factor)× → \(reducer.outputWidth)×\(reducer.outputHeight)")
            reduced = reducer.finish()
            (icc, warnings) = (result.iccProfile, result.warnings)
        }

        return try finish(reduced, stored: true, iccProfile: icc, info: info, plan: plan, bytes: bytes, path: path,
                          options: options, decisions: decisions, warnings: warnings)
    }

    /// The thumbnail of the file at `path`, already decoded in full as `decoded` — a pipeline's output,
    /// decoded once when it was downloaded, for its checks and verify — with no second decode: only the
    /// reduction, the filter, colour and fit. The file is read again for its metadata alone.
    public static func thumbnail(of decoded: DecodedImage, path: String, options: ThumbnailOptions) throws -> Thumbnail {
        if let problem = options.problems.first { throw ThumbnailError.invalidOptions(path: path, detail: problem) }
        let bytes = try FileBytes.read(path, maxBytes: options.limits.maxBytes)
        let plan = ThumbnailPlan(info: decoded.info, options: options)
        let tables = TransferTables.forLight(options.light)
        var decisions = ["loader: decoded already, \(decoded.pixels.width)×\(decoded.pixels.height)"]
        // Upright pixels are filtered to the upright size; stored ones to the stored size, turned after.
        let stored = !decoded.orientationApplied
        let target = stored ? (plan.storedTargetWidth, plan.storedTargetHeight) : (plan.resizedWidth, plan.resizedHeight)
        let reduced = boxReduce(decoded.pixels, toward: target, tables: tables, decisions: &decisions)
        return try finish(reduced, stored: stored, iccProfile: decoded.iccProfile, info: decoded.info, plan: plan, bytes: bytes,
                          path: path, options: options, decisions: decisions, warnings: decoded.warnings)
    }

    /// What every thumbnail shares after the reduction: the filter to the plan's size, colour, orientation
    /// (for `stored` pixels) and fit.
    private static func finish(
        _ reduced: FloatImage, stored: Bool, iccProfile: [UInt8]?, info: ImageInfo, plan: ThumbnailPlan, bytes: [UInt8],
        path: String, options: ThumbnailOptions, decisions: [String], warnings: [String]
    ) throws -> Thumbnail {
        var (decisions, warnings, icc) = (decisions, warnings, iccProfile)
        let tables = TransferTables.forLight(options.light)
        let (width, height) = stored ? (plan.storedTargetWidth, plan.storedTargetHeight) : (plan.resizedWidth, plan.resizedHeight)
        let resized = LanczosResampler.resize(reduced, width: width, height: height)
        decisions.append("filter: lanczos3 in \(options.light.rawValue) light"
            + (reduced.hasAlpha ? ", premultiplied alpha" : "")
            + ", \(reduced.width)×\(reduced.height) → \(width)×\(height)")
        var pixels = resized.pixelBuffer(tables: tables)
        let prepared = try manageColour(pixels, iccProfile: icc, bytes: bytes, path: path, options: options,
                                        decisions: &decisions, warnings: &warnings)
        (pixels, icc) = (prepared.pixels, prepared.iccProfile)
        if stored && info.orientation != .up {
            pixels = pixels.oriented(info.orientation)
            decisions.append("orientation: \(info.orientation.rawValue) applied → \(pixels.width)×\(pixels.height)")
        }
        switch options.fit {
        case .inside:
            break
        case .cover:
            pixels = pixels.cropped(width: plan.outputWidth, height: plan.outputHeight)
            decisions.append("cover: centred crop → \(pixels.width)×\(pixels.height)")
        case .pad:
            pixels = pixels.padded(width: plan.outputWidth, height: plan.outputHeight, background: options.background)
            decisions.append("pad: centred on \(pixels.width)×\(pixels.height)")
        }
        return Thumbnail(pixels: pixels, iccProfile: icc, metadata: prepared.metadata, info: info, plan: plan, decisions: decisions, warnings: warnings)
    }

    /// Makes the thumbnail of `input` and writes it atomically to `output`, in `options.format` or, when
    /// that is nil, in the input's format.
    /// Returns the thumbnail and the size of the file written.
    @discardableResult
    public static func write(input: String, to output: String, options: ThumbnailOptions) throws -> (thumbnail: Thumbnail, bytes: Int) {
        try write(thumbnail(path: input, options: options), to: output, options: options)
    }

    /// Writes the thumbnail of `input`, already decoded as `decoded` (see `thumbnail(of:path:options:)`),
    /// atomically to `output`.
    @discardableResult
    public static func write(decoded: DecodedImage, input: String, to output: String,
                             options: ThumbnailOptions) throws -> (thumbnail: Thumbnail, bytes: Int) {
        try write(thumbnail(of: decoded, path: input, options: options), to: output, options: options)
    }

    /// The thumbnail encoded in `options.format` or, when that is nil, in the input's format; `path`
    /// names the output in errors.
    public static func encode(_ thumbnail: Thumbnail, options: ThumbnailOptions, path: String) throws -> [UInt8] {
        try ImageEncoder.encode(
            thumbnail.pixels, as: options.format ?? thumbnail.info.format,
            options: EncodeOptions(quality: options.quality, background: options.background),
            iccProfile: thumbnail.iccProfile, metadata: thumbnail.metadata, path: path)
    }

    private static func write(_ made: Thumbnail, to output: String, options: ThumbnailOptions) throws -> (thumbnail: Thumbnail, bytes: Int) {
        var thumbnail = made
        let format = options.format ?? thumbnail.info.format
        let bytes = try encode(thumbnail, options: options, path: output)
        try AtomicFile.write(bytes, to: output)
        thumbnail.decisions.append("output: \(format.rawValue) \(thumbnail.pixels.width)×\(thumbnail.pixels.height), \(bytes.count) bytes")
        return (thumbnail, bytes.count)
    }

    private static func boxReduce(_ pixels: PixelBuffer, plan: ThumbnailPlan, tables: TransferTables,
                                  decisions: inout [String]) -> FloatImage {
        boxReduce(pixels, toward: (plan.storedTargetWidth, plan.storedTargetHeight), tables: tables, decisions: &decisions)
    }

    /// An integer box reduction that leaves at least 2× for the filter on the way to `target`.
    private static func boxReduce(_ pixels: PixelBuffer, toward target: (width: Int, height: Int), tables: TransferTables,
                                  decisions: inout [String]) -> FloatImage {
        let remaining = min(Double(pixels.width) / Double(target.width), Double(pixels.height) / Double(target.height))
        let factor = ThumbnailPlan.boxFactor(remaining: remaining)
        var reducer = BoxReducer(width: pixels.width, height: pixels.height, layout: pixels.layout, factor: factor, tables: tables)
        pixels.pixels.withUnsafeBufferPointer { reducer.consume($0.baseAddress!, count: pixels.height) }
        if factor > 1 { decisions.append("box: \(factor)× → \(reducer.outputWidth)×\(reducer.outputHeight)") }
        return reducer.finish()
    }
}

/// Why a thumbnail could not be made, beyond the decode and encode errors.
public enum ThumbnailError: FileError, Equatable {
    /// The options cannot work ("expected a positive integer for width but received -3").
    case invalidOptions(path: String, detail: String)

    public var path: String {
        switch self {
        case .invalidOptions(let path, _): path
        }
    }

    public var reason: String {
        switch self {
        case .invalidOptions(_, let detail): detail
        }
    }
}

extension PixelBuffer {
    /// The centred `width`×`height` part (or the whole, where it is smaller).
    func cropped(width: Int, height: Int) -> PixelBuffer {
        let w = min(width, self.width), h = min(height, self.height)
        if w == self.width && h == self.height { return self }
        let left = (self.width - w) / 2, top = (self.height - h) / 2
        let c = layout.channels
        var out = [UInt8]()
        out.reserveCapacity(w * h * c)
        for y in top..<top + h {
            let start = (y * self.width + left) * c
            out += pixels[start..<start + w * c]
        }
        return PixelBuffer(width: w, height: h, layout: layout, pixels: out)
    }

    /// The picture centred on a `width`×`height` canvas of `background` (opaque).
    func padded(width: Int, height: Int, background: RGB) -> PixelBuffer {
        if width == self.width && height == self.height { return self }
        let c = layout.channels
        let luma = (Int(background.red) * 299 + Int(background.green) * 587 + Int(background.blue) * 114 + 500) / 1000
        let fill: [UInt8] = layout.isColor ? [background.red, background.green, background.blue] : [UInt8(luma)]
        let pixel = fill + (layout.hasAlpha ? [255] : [])
        var out = [UInt8](repeating: 0, count: width * height * c)
        for index in 0..<width * height { for ch in 0..<c { out[index * c + ch] = pixel[ch] } }
        let left = (width - self.width) / 2, top = (height - self.height) / 2
        for y in 0..<self.height {
            let source = y * self.width * c
            let target = ((top + y) * width + left) * c
            out.replaceSubrange(target..<target + self.width * c, with: pixels[source..<source + self.width * c])
        }
        return PixelBuffer(width: width, height: height, layout: layout, pixels: out)
    }
}
