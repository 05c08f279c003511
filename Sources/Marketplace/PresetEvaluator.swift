import ImageCore

/// An image as the rules see it: the decoded pixels (upright), the header facts, the file's size,
/// its profile and metadata, and whether it is known to be AI-generated.
public struct PresetSubject: Sendable {
    public var path: String
    public var bytes: Int
    public var info: ImageInfo
    public var pixels: PixelBuffer
    public var iccProfile: [UInt8]?
    public var metadata: ImageMetadata
    /// True for an output of a generation, false for a photo, nil when unknown.
    public var aiGenerated: Bool?

    public init(path: String, bytes: Int, info: ImageInfo, pixels: PixelBuffer, iccProfile: [UInt8]?,
                metadata: ImageMetadata, aiGenerated: Bool?) {
        self.path = path
        self.bytes = bytes
        self.info = info
        self.pixels = pixels
        self.iccProfile = iccProfile
        self.metadata = metadata
        self.aiGenerated = aiGenerated
    }

    /// Reads, strictly decodes (a truncated file is an error) and inspects the file at `path`.
    public static func load(path: String, aiGenerated: Bool? = nil, limits: ImageLimits = ImageLimits(maxBytes: nil)) throws -> PresetSubject {
        let image = try ImageDecoder.decode(path: path, options: DecodeOptions(failOn: .truncated, limits: limits))
        return PresetSubject(path: path, bytes: image.info.bytes, info: image.info, pixels: image.pixels,
                             iccProfile: image.iccProfile, metadata: try ImageMetadata.read(path: path), aiGenerated: aiGenerated)
    }
}

/// Applies a preset's rules to an image and says, per rule, pass, fail or advisory, with the measured
/// value and what to change.
public enum PresetEvaluator {
    public static func evaluate(_ preset: Preset, path: String, aiGenerated: Bool? = nil) throws -> PresetReport {
        evaluate(preset, try PresetSubject.load(path: path, aiGenerated: aiGenerated))
    }

    public static func evaluate(_ preset: Preset, _ subject: PresetSubject) -> PresetReport {
        PresetReport(preset: preset.name, path: subject.path, verdicts: preset.rules.map { verdict($0, subject) })
    }

    static func verdict(_ rule: Rule, _ subject: PresetSubject) -> RuleVerdict {
        let (passed, measured, expected, fix) = measure(rule.check, subject)
        let outcome: RuleVerdict.Outcome = switch passed {
        case true?: .pass
        case false?: rule.severity == .required ? .fail : .advisory
        case nil: .advisory
        }
        return RuleVerdict(
            rule: rule.id, kind: rule.check.kind, outcome: outcome, measured: measured, expected: expected,
            fix: outcome == .pass ? nil : fix, evidence: rule.source.evidence, source: rule.source.page,
            checked: rule.source.checked,
            assumption: rule.source.evidence == .assumed ? "assumed: no published figure was found" : nil)
    }

    /// (passed — nil when it cannot be decided, measured, expected, what to change).
    static func measure(_ check: Check, _ s: PresetSubject) -> (Bool?, String, String, String) {
        let width = s.pixels.width, height = s.pixels.height
        let long = max(width, height)
        switch check {
        case .format(let allowed):
            let format = s.info.format.rawValue
            return (allowed.contains(format), s.info.format.displayName, allowed.map { $0.uppercased() }.joined(separator: ", "),
                    "convert it to \(allowed.contains("jpeg") ? "JPEG" : allowed.first?.uppercased() ?? "an accepted format")")
        case .longSide(let min, let max):
            let expected = [min.map { "≥ \($0) px" }, max.map { "≤ \($0) px" }].compactMap { $0 }.joined(separator: " and ")
            if let min, long < min {
                return (false, "\(long) px", expected, "scale it up to \(min) px on the long side (or shoot larger: enlarging adds no detail)")
            }
            if let max, long > max { return (false, "\(long) px", expected, "scale it down to \(max) px on the long side") }
            return (true, "\(long) px", expected, "")
        case .minSize(let minWidth, let minHeight):
            let ok = width >= minWidth && height >= minHeight
            return (ok, "\(width)×\(height)", "≥ \(minWidth)×\(minHeight)", "enlarge it to at least \(minWidth)×\(minHeight)")
        case .maxSize(let maxWidth, let maxHeight):
            let ok = width <= maxWidth && height <= maxHeight
            return (ok, "\(width)×\(height)", "≤ \(maxWidth)×\(maxHeight)", "scale it down to fit \(maxWidth)×\(maxHeight)")
        case .maxMegapixels(let limit):
            let megapixels = Double(width * height) / 1_000_000
            return (megapixels <= limit, "\(format(megapixels, 1)) MP", "≤ \(format(limit, 0)) MP",
                    "scale it down below \(format(limit, 0)) megapixels")
        case .maxBytes(let limit):
            return (s.bytes <= limit, "\(s.bytes) bytes", "≤ \(limit) bytes", "re-encode it at a lower quality or size")
        case .square(let tolerance):
            let off = Double(abs(width - height)) / Double(long)
            return (off <= tolerance, "\(width)×\(height)", "square (within \(format(tolerance * 100, 0)) %)",
                    "pad it to a square on white")
        case .whiteBackground(let tolerance, let minShare):
            let m = BackgroundMeasurement(s.pixels, tolerance: tolerance)
            var measured = "\(format(m.whiteShare * 100, 1)) % of the border pure white"
            if let other = m.otherAverage {
                measured += m.transparentPixels > 0 ? "; \(m.transparentPixels) border pixels transparent"
                    : "; the rest average rgb(\(other.red),\(other.green),\(other.blue))"
            }
            let fix = m.transparentPixels > 0 ? "flatten it onto white (RGB 255,255,255)"
                : "make the background pure white (RGB 255,255,255): it is off-white or the product touches the edge"
            return (m.whiteShare >= minShare, measured,
                    "≥ \(format(minShare * 100, 0)) % within \(tolerance) levels of RGB 255,255,255", fix)
        case .fill(let min, let tolerance):
            let m = FillMeasurement(s.pixels, tolerance: tolerance)
            let measured = m.bounds.map { "\(format(m.fill * 100, 1)) % (product \($0.width)×\($0.height) in \(width)×\(height))" }
                ?? "0 % (no product found: the picture is all background)"
            return (m.fill >= min, measured, "≥ \(format(min * 100, 0)) %",
                    "crop the margins so the product spans \(format(min * 100, 0)) % of the frame (pad back to the frame on white)")
        case .colourSpace:
            if s.info.colorModel == .cmyk {
                return (false, "CMYK", "sRGB", "convert it to sRGB")
            }
            guard let bytes = s.iccProfile else { return (true, "sRGB (no profile: untagged means sRGB)", "sRGB", "") }
            guard let profile = ColorProfile(bytes: bytes) else {
                return (false, "an unreadable ICC profile", "sRGB", "convert it to sRGB or drop the broken profile")
            }
            if profile.space == .grey { return (true, "greyscale (\(profile.name))", "sRGB", "") }
            let name = profile.name.isEmpty ? "an RGB profile" : profile.name
            return profile.isSRGB ? (true, "sRGB (\(name))", "sRGB", "") : (false, name, "sRGB", "convert it to sRGB")
        case .aiProvenance:
            if let found = s.metadata.digitalSourceType {
                return (true, "\(found.type.term) (in \(found.origin == .xmp ? "XMP" : "the C2PA manifest"))",
                        "the IPTC digital source type, when AI-generated", "")
            }
            switch s.aiGenerated {
            case true?:
                return (false, "no digital source type", "IPTC DigitalSourceType trainedAlgorithmicMedia",
                        "write the mark (imagepipe convert keeps it; Provenance.mark adds it) and never strip it")
            case false?:
                return (true, "not AI-generated", "the IPTC digital source type, when AI-generated", "")
            case nil:
                return (nil, "no digital source type (whether the image is AI-generated is not known)",
                        "IPTC DigitalSourceType trainedAlgorithmicMedia on AI-generated images",
                        "if it was made with generative AI, mark it as such")
            }
        }
    }

    static func format(_ value: Double, _ decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        if decimals == 0 { return String(Int(rounded)) }
        let text = String(rounded)
        let parts = text.split(separator: ".")
        let fraction = parts.count > 1 ? String(parts[1].prefix(decimals)) : ""
        return "\(parts[0]).\(fraction.padding(toLength: decimals, withPad: "0", startingAt: 0))"
    }
}
