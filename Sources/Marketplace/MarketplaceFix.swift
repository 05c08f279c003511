import ImageCore

/// The mechanical fixes a preset's rules call for, and those asked for one by one, composed in one fixed
/// order: colour to sRGB → flatten onto white → re-frame to the fill ratio (and square, where asked) →
/// scale the long side → encode in an accepted format, lowering quality until the byte limit is met.
/// What cannot be done mechanically (a product touching the frame, an off-white backdrop that is part of
/// the photo, a picture too small to enlarge well) is left to the verdicts to report. The pipeline's
/// `fit` step and `imagepipe convert --fix-for` both call this.
public enum MarketplaceFix {
    /// What the fix did and what it produced.
    public struct Result: Sendable {
        /// The encoded file.
        public var bytes: [UInt8]
        public var format: ImageFormat
        public var width: Int
        public var height: Int
        /// One line per step taken, for `--verbose` and reports.
        public var steps: [String]
    }

    /// Fixes asked for one by one (the `fit` step's options). With a preset they add to its fixes, and
    /// a value given here (a fill, a long side) wins over the preset's.
    public struct Adjustments: Sendable, Equatable {
        /// Convert an embedded profile (or CMYK) to sRGB.
        public var srgb: Bool
        /// Composite alpha onto white.
        public var flatten: Bool
        /// Re-frame so the content spans this share (0-1) of the frame along its longer extent.
        public var fill: Double?
        /// Pad to a square on white (with `fill`, the re-framed frame is square).
        public var square: Bool
        /// Scale so the longer side is this many pixels.
        public var longSide: Int?

        public init(srgb: Bool = false, flatten: Bool = false, fill: Double? = nil, square: Bool = false, longSide: Int? = nil) {
            self.srgb = srgb
            self.flatten = flatten
            self.fill = fill
            self.square = square
            self.longSide = longSide
        }
    }

    /// How far from white a pixel must be to count as content when re-framing without a preset (the
    /// presets' fill rules carry their own).
    static let contentTolerance = 10

    /// The fixed picture for `preset` (nil: only `adjustments`), encoded as `format` (nil: the input's
    /// format when the preset accepts it, else JPEG). Metadata follows `policy` (the AI-provenance mark
    /// is always kept); `comment` is stored in PNG and JPEG files (the simulator's label, for one).
    public static func apply(
        _ preset: Preset?, adjustments: Adjustments = Adjustments(), to image: DecodedImage, source metadata: ImageMetadata,
        format requested: ImageFormat? = nil, quality: Int = 90, policy: MetadataPolicy = .provenance, comment: String? = nil,
        path: String
    ) throws -> Result {
        var steps: [String] = []
        let prepared = PreparedOutput.prepare(image.pixels, iccProfile: image.iccProfile, source: metadata,
                                              colour: preset != nil || adjustments.srgb ? .convertToSRGB : .keepProfile,
                                              metadata: policy, path: path)
        var pixels = prepared.pixels
        switch prepared.colour {
        case .converted(let name)?: steps.append("colour: \(name) → sRGB")
        case .unusable(let reason)?: steps.append("colour: left as it is (\(reason))")
        default: break
        }
        if image.info.colorModel == .cmyk { steps.append("colour: CMYK → sRGB (through its profile when it has one)") }
        if pixels.layout.hasAlpha && (preset != nil || adjustments.flatten) {
            pixels = pixels.flattened(onto: .white)
            steps.append("flatten: alpha composited onto white")
        }
        let rules = preset?.rules.filter { $0.severity == .required || $0.check.kind == "square" } ?? []
        let presetFill = rules.compactMap { rule -> (Double, Int)? in
            if case .fill(let min, let tolerance) = rule.check { return (min, tolerance) } else { return nil }
        }.first
        let fill = adjustments.fill.map { ($0, presetFill?.1 ?? contentTolerance) } ?? presetFill
        let square = adjustments.square || rules.contains { $0.check.kind == "square" }
        if case let (target, tolerance)? = fill {
            let before = FillMeasurement(pixels, tolerance: tolerance).fill
            // Half a percent above the target, so that rounding when scaling afterwards cannot take it below.
            if let framed = pixels.reframed(fill: min(1, target + 0.005), square: square, background: .white, tolerance: tolerance) {
                pixels = framed
                steps.append("frame: product filled \(PresetEvaluator.format(before * 100, 1)) %, re-framed to "
                    + "\(PresetEvaluator.format(target * 100, 0)) % on white → \(pixels.width)×\(pixels.height)")
            } else {
                steps.append("frame: nothing but background, so nothing to frame; left as it is")
            }
        } else if square && pixels.width != pixels.height {
            pixels = pixels.paddedToSquare(background: .white)
            steps.append("square: padded on white → \(pixels.width)×\(pixels.height)")
        }
        let wanted = adjustments.longSide ?? preset.flatMap { targetLongSide(for: $0, width: pixels.width, height: pixels.height) }
        if let side = wanted, side != max(pixels.width, pixels.height) {
            let before = max(pixels.width, pixels.height)
            pixels = pixels.scaled(longSide: side)
            steps.append("scale: long side \(before) → \(side) px" + (side > before ? " (enlarged: no detail is added)" : ""))
        }
        let format = try outputFormat(for: preset, input: image.info.format, requested: requested, path: path)
        let maxBytes = preset?.rules.compactMap { rule -> Int? in
            if case .maxBytes(let limit) = rule.check, rule.severity == .required { return limit } else { return nil }
        }.min()
        var currentQuality = quality
        while true {
            let bytes = try ImageEncoder.encode(
                pixels, as: format, options: EncodeOptions(quality: currentQuality, background: .white, comment: comment),
                iccProfile: prepared.iccProfile, metadata: prepared.metadata, path: path)
            if let maxBytes, bytes.count > maxBytes, format != .png, currentQuality > 40 {
                currentQuality -= 10
                continue
            }
            steps.append("encode: \(format.displayName) \(pixels.width)×\(pixels.height)"
                + (format == .png ? "" : ", quality \(currentQuality)") + ", \(bytes.count) bytes")
            return Result(bytes: bytes, format: format, width: pixels.width, height: pixels.height, steps: steps)
        }
    }

    /// Reads `input`, fixes it for `preset` (and `adjustments`) and writes the result atomically to
    /// `output` (whose extension names the format). Returns what was done.
    public static func apply(_ preset: Preset?, adjustments: Adjustments = Adjustments(), input: String, output: String,
                             quality: Int = 90, policy: MetadataPolicy = .provenance, comment: String? = nil) throws -> Result {
        let image = try ImageDecoder.decode(path: input, options: DecodeOptions(failOn: .truncated, limits: ImageLimits(maxBytes: nil)))
        let metadata = try ImageMetadata.read(path: input)
        let ext = output.split(separator: "/").last.flatMap { $0.contains(".") ? $0.split(separator: ".").last.map(String.init) : nil } ?? ""
        guard let format = ImageFormat(fileExtension: ext) else {
            throw EncodeError.unsupportedExtension(path: output, fileExtension: ext)
        }
        let result = try apply(preset, adjustments: adjustments, to: image, source: metadata, format: format, quality: quality,
                               policy: policy, comment: comment, path: output)
        try AtomicFile.write(result.bytes, to: output)
        return result
    }

    /// The long side the preset's size rules want, or nil when the current one is fine.
    static func targetLongSide(for preset: Preset, width: Int, height: Int) -> Int? {
        let long = max(width, height)
        var low = 0, high = Int.max
        for rule in preset.rules where rule.severity == .required {
            switch rule.check {
            case .longSide(let min, let max):
                if let min { low = Swift.max(low, min) }
                if let max { high = Swift.min(high, max) }
            case .minSize(let w, let h):
                // The short side must reach its minimum: scale the long side by the same factor.
                let short = Swift.min(width, height)
                let needed = Double(Swift.max(w, h)) / Double(Swift.max(short, 1)) * Double(long)
                low = Swift.max(low, Int(needed.rounded(.up)))
            case .maxSize(let w, let h):
                let factor = Swift.min(Double(w) / Double(width), Double(h) / Double(height))
                if factor < 1 { high = Swift.min(high, Int((Double(long) * factor).rounded(.down))) }
            case .maxMegapixels(let limit):
                let factor = (limit * 1_000_000 / Double(width * height)).squareRoot()
                if factor < 1 { high = Swift.min(high, Int((Double(long) * factor).rounded(.down))) }
            default:
                break
            }
        }
        if long < low { return Swift.min(low, high) }
        if long > high { return high }
        return nil
    }

    /// The format to write: the one asked for, which must be accepted; else the input's when accepted
    /// (or when there is no preset); else JPEG.
    public static func outputFormat(for preset: Preset?, input: ImageFormat, requested: ImageFormat?, path: String) throws(FixError) -> ImageFormat {
        guard let preset else { return requested ?? input }
        let allowed = preset.rules.compactMap { rule -> [String]? in
            if case .format(let allowed) = rule.check, rule.severity == .required { return allowed } else { return nil }
        }.first
        if let requested {
            if let allowed, !allowed.contains(requested.rawValue) {
                throw FixError.formatNotAccepted(path: path, preset: preset.name, format: requested, accepted: allowed)
            }
            return requested
        }
        if allowed == nil || allowed!.contains(input.rawValue) { return input }
        return .jpeg
    }
}

/// Why a fix cannot be made as asked.
public enum FixError: FileError, Equatable {
    /// The output format asked for is one the preset does not accept.
    case formatNotAccepted(path: String, preset: String, format: ImageFormat, accepted: [String])

    public var path: String {
        switch self {
        case .formatNotAccepted(let path, _, _, _): path
        }
    }

    public var reason: String {
        switch self {
        case .formatNotAccepted(_, let preset, let format, let accepted):
            "\(preset) does not accept \(format.displayName) (accepted: \(accepted.map { $0.uppercased() }.joined(separator: ", "))); "
                + "name the output .jpg"
        }
    }
}
