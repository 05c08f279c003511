import CLCMS2

/// Converts pixels described by an embedded ICC profile to sRGB with LittleCMS, the way web browsers and
/// image tools show them: relative colorimetric intent with black-point compensation (Photoshop's
/// "Convert to Profile" default). Alpha is carried through untouched.
public enum ColorConversion {
    /// What happened to an image's colours, for `--verbose` lines and reports.
    public enum Outcome: Sendable, Equatable {
        /// No profile, or a profile that is sRGB already: the pixels are sRGB as they are.
        case alreadySRGB
        /// Converted from the named profile.
        case converted(from: String)
        /// Grey pixels keep their grey profile: a grey picture has no gamut to lose.
        case greyKept
        /// The profile cannot be used (unreadable, or not for these pixels); the pixels are left as they are.
        case unusable(reason: String)
    }

    /// `pixels` converted from `profile` to sRGB. Throws `ColorError` when the profile cannot be read or
    /// does not match the pixels (a CMYK profile on RGB pixels).
    public static func toSRGB(_ pixels: PixelBuffer, profile bytes: [UInt8]?, path: String) throws(ColorError)
        -> (pixels: PixelBuffer, outcome: Outcome)
    {
        guard let bytes, !bytes.isEmpty else { return (pixels, .alreadySRGB) }
        guard let profile = ColorProfile(bytes: bytes) else { throw .unreadableProfile(path: path, bytes: bytes.count) }
        if !pixels.layout.isColor {
            guard profile.space == .grey || profile.space == .rgb else {
                throw .profileDoesNotMatch(path: path, profile: profile.space, pixels: pixels.layout)
            }
            return (pixels, .greyKept)
        }
        guard profile.space == .rgb else {
            throw .profileDoesNotMatch(path: path, profile: profile.space, pixels: pixels.layout)
        }
        if profile.isSRGB { return (pixels, .alreadySRGB) }
        let format = pixels.layout.hasAlpha ? ip_lcms_type_rgba_8() : ip_lcms_type_rgb_8()
        let converted = try transform(pixels.pixels, count: pixels.width * pixels.height, from: profile, input: format,
                                      output: format, path: path)
        return (PixelBuffer(width: pixels.width, height: pixels.height, layout: pixels.layout, pixels: converted),
                .converted(from: profile.name.isEmpty ? "an embedded RGB profile" : profile.name))
    }

    /// CMYK samples (4 a pixel) converted through their CMYK profile to sRGB. `inverted` is the Adobe
    /// convention (255 = no ink) that an APP14 marker announces. Nil when the profile is not a CMYK
    /// profile LittleCMS can use, so the caller can fall back to the naive formula.
    static func cmykToSRGB(_ samples: [UInt8], width: Int, height: Int, inverted: Bool, profile bytes: [UInt8])
        -> PixelBuffer?
    {
        guard let profile = ColorProfile(bytes: bytes), profile.space == .cmyk else { return nil }
        let input = inverted ? ip_lcms_type_cmyk_8_reversed() : ip_lcms_type_cmyk_8()
        guard let rgb = try? transform(samples, count: width * height, from: profile, input: input,
                                       output: ip_lcms_type_rgb_8())
        else { return nil }
        return PixelBuffer(width: width, height: height, layout: .rgb, pixels: rgb)
    }

    /// sRGB values (8-bit, 3 a pixel) as CIE L*a*b* (D50), for colour-difference measurements.
    public static func labFromSRGB(_ rgb: [UInt8]) -> [Double] {
        let count = rgb.count / 3
        let handle = cmsCreate_sRGBProfile()
        let lab = cmsCreateLab4Profile(nil)
        defer { cmsCloseProfile(handle); cmsCloseProfile(lab) }
        let transform = cmsCreateTransform(handle, ip_lcms_type_rgb_8(), lab, ip_lcms_type_lab_double(),
                                           UInt32(INTENT_RELATIVE_COLORIMETRIC), 0)!
        defer { cmsDeleteTransform(transform) }
        var out = [Double](repeating: 0, count: count * 3)
        rgb.withUnsafeBytes { input in
            out.withUnsafeMutableBytes { cmsDoTransform(transform, input.baseAddress, $0.baseAddress, UInt32(count)) }
        }
        return out
    }

    /// Runs one LittleCMS transform from `profile` to sRGB over `count` pixels.
    static func transform(_ samples: [UInt8], count: Int, from profile: ColorProfile, input: UInt32, output: UInt32,
                          path: String = "<memory>") throws(ColorError) -> [UInt8]
    {
        guard let source = ColorProfile.open(profile.bytes) else {
            throw .unreadableProfile(path: path, bytes: profile.bytes.count)
        }
        let target = cmsCreate_sRGBProfile()
        defer { cmsCloseProfile(source); cmsCloseProfile(target) }
        let flags = UInt32(cmsFLAGS_BLACKPOINTCOMPENSATION | cmsFLAGS_COPY_ALPHA)
        guard let transform = cmsCreateTransform(source, input, target, output, UInt32(INTENT_RELATIVE_COLORIMETRIC), flags)
        else { throw .unusableProfile(path: path, name: profile.name) }
        defer { cmsDeleteTransform(transform) }
        let outputChannels = output == ip_lcms_type_rgba_8() ? 4 : 3
        var result = [UInt8](repeating: 0, count: count * outputChannels)
        samples.withUnsafeBytes { source in
            result.withUnsafeMutableBytes { cmsDoTransform(transform, source.baseAddress, $0.baseAddress, UInt32(count)) }
        }
        return result
    }
}

/// Why colours could not be converted.
public enum ColorError: FileError, Equatable {
    /// LittleCMS cannot parse the embedded profile.
    case unreadableProfile(path: String, bytes: Int)
    /// The profile parses but no transform to sRGB can be built from it.
    case unusableProfile(path: String, name: String)
    /// The profile describes other channels than the pixels have (a CMYK profile on an RGB picture).
    case profileDoesNotMatch(path: String, profile: ColorProfile.Space, pixels: PixelLayout)

    public var path: String {
        switch self {
        case .unreadableProfile(let path, _), .unusableProfile(let path, _), .profileDoesNotMatch(let path, _, _): path
        }
    }

    public var reason: String {
        switch self {
        case .unreadableProfile(_, let bytes):
            "the embedded ICC profile (\(bytes) bytes) cannot be read, so its colours cannot be converted to sRGB"
        case .unusableProfile(_, let name):
            "no conversion to sRGB can be built from the ICC profile '\(name)'"
        case .profileDoesNotMatch(_, let profile, let pixels):
            "the embedded ICC profile is \(profile.rawValue) but the pixels are \(pixels)"
        }
    }
}
