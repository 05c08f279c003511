import CLCMS2
import Synchronization

/// An embedded ICC profile, as LittleCMS reads it: what colour space it describes and what it calls
/// itself. Made from the bytes a decoder found; nil when LittleCMS cannot parse them.
public struct ColorProfile: Sendable, Equatable {
    /// The colour spaces imagepipe treats differently; anything else (Lab, XYZ, n-colour) is `other`.
    public enum Space: String, Sendable, Codable {
        case rgb
        case cmyk
        case grey
        case other
    }

    public let bytes: [UInt8]
    public let space: Space
    /// The profile's own description ("Adobe RGB (1998)", "Display P3"), or "" when it has none.
    public let name: String

    public init?(bytes: [UInt8]) {
        guard let handle = ColorProfile.open(bytes) else { return nil }
        defer { cmsCloseProfile(handle) }
        self.bytes = bytes
        switch cmsGetColorSpace(handle) {
        case cmsSigRgbData: space = .rgb
        case cmsSigCmykData: space = .cmyk
        case cmsSigGrayData: space = .grey
        default: space = .other
        }
        var buffer = [CChar](repeating: 0, count: 256)
        let length = cmsGetProfileInfoASCII(handle, cmsInfoDescription, "en", "US", &buffer, UInt32(buffer.count))
        name = length > 0 ? text(of: buffer) : ""
    }

    /// A compact sRGB profile (LittleCMS's built-in, about 3 kB), embedded where a file must say sRGB
    /// explicitly (when metadata is kept after converting to sRGB).
    public static let sRGB: ColorProfile = {
        let handle = cmsCreate_sRGBProfile()!
        defer { cmsCloseProfile(handle) }
        return ColorProfile(bytes: saved(handle))!
    }()

    /// Display P3 (DCI-P3 primaries, D65 white, the sRGB tone curve), built from its published definition:
    /// the wide-gamut space of recent phones, which no Debian package ships a profile for. Used to tag or
    /// test P3 pictures.
    public static let displayP3: ColorProfile = {
        var white = cmsCIExyY(x: 0.3127, y: 0.3290, Y: 1)
        var primaries = cmsCIExyYTRIPLE(
            Red: cmsCIExyY(x: 0.680, y: 0.320, Y: 1), Green: cmsCIExyY(x: 0.265, y: 0.690, Y: 1),
            Blue: cmsCIExyY(x: 0.150, y: 0.060, Y: 1))
        var parameters: [Double] = [2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045]
        let curve = cmsBuildParametricToneCurve(nil, 4, &parameters)
        defer { cmsFreeToneCurve(curve) }
        var curves: [OpaquePointer?] = [curve, curve, curve]
        let handle = cmsCreateRGBProfile(&white, &primaries, &curves)!
        defer { cmsCloseProfile(handle) }
        let description = cmsMLUalloc(nil, 1)
        defer { cmsMLUfree(description) }
        cmsMLUsetASCII(description, "en", "US", "Display P3")
        cmsWriteTag(handle, cmsSigProfileDescriptionTag, UnsafeRawPointer(description))
        return ColorProfile(bytes: saved(handle))!
    }()

    private static func saved(_ handle: cmsHPROFILE) -> [UInt8] {
        var length: UInt32 = 0
        cmsSaveProfileToMem(handle, nil, &length)
        var bytes = [UInt8](repeating: 0, count: Int(length))
        cmsSaveProfileToMem(handle, &bytes, &length)
        return bytes
    }

    /// True when converting from this profile to sRGB changes no 8-bit RGB value by more than one level,
    /// checked on a 17×17×17 grid of colours: real sRGB profiles of any vendor (and "compatible"
    /// variants) need no conversion, and skipping it spares a needless re-quantisation.
    public var isSRGB: Bool {
        guard space == .rgb else { return false }
        // A batch meets the same few profiles (a camera's sRGB) thousands of times: remember the answers.
        if let known = Self.sRGBAnswers.withLock({ $0[bytes] }) { return known }
        let answer = convertsAsSRGB()
        Self.sRGBAnswers.withLock { answers in
            if answers.count >= 64 { answers.removeAll() }
            answers[bytes] = answer
        }
        return answer
    }

    private static let sRGBAnswers = Mutex<[[UInt8]: Bool]>([:])

    private func convertsAsSRGB() -> Bool {
        let steps = (0...16).map { UInt8(min(255, $0 * 16)) }
        var grid = [UInt8]()
        grid.reserveCapacity(17 * 17 * 17 * 3)
        for r in steps { for g in steps { for b in steps { grid += [r, g, b] } } }
        guard let converted = try? ColorConversion.transform(
            grid, count: grid.count / 3, from: self, input: ip_lcms_type_rgb_8(), output: ip_lcms_type_rgb_8())
        else { return false }
        return zip(grid, converted).allSatisfy { abs(Int($0) - Int($1)) <= 1 }
    }

    static func open(_ bytes: [UInt8]) -> cmsHPROFILE? {
        guard !bytes.isEmpty else { return nil }
        return bytes.withUnsafeBytes { cmsOpenProfileFromMem($0.baseAddress, UInt32($0.count)) }
    }
}
