import Foundation
import Testing

@testable import ImageCore

/// Colour conversion to sRGB against Pillow's ImageCms on the same files: real profiles from Debian
/// packages (colord-data's Adobe RGB and ProPhoto, libgs-common's CMYK) and `ColorProfile.displayP3`, built
/// from its published primaries (no Debian package ships a P3 profile). ΔE (CIE76, in L*a*b* D50) stays below 2.
@Suite(.serialized) struct ColourTests {
    /// Saturated and mid colours, dark to light, so gamut edges and tone curves are both exercised.
    static func palette(width: Int = 32, height: Int = 32) -> PixelBuffer {
        var pixels = [UInt8]()
        for y in 0..<height {
            for x in 0..<width {
                pixels += [UInt8(x * 255 / (width - 1)), UInt8(y * 255 / (height - 1)), UInt8((x * 7 + y * 13) % 256)]
            }
        }
        return PixelBuffer(width: width, height: height, layout: .rgb, pixels: pixels)
    }

    static let displayP3 = ColorProfile.displayP3.bytes

    static func deltaE(_ a: [UInt8], _ b: [UInt8]) -> (mean: Double, max: Double) {
        let labA = ColorConversion.labFromSRGB(a), labB = ColorConversion.labFromSRGB(b)
        var total = 0.0, worst = 0.0
        for index in stride(from: 0, to: labA.count, by: 3) {
            let dl = labA[index] - labB[index], da = labA[index + 1] - labB[index + 1], db = labA[index + 2] - labB[index + 2]
            let e = (dl * dl + da * da + db * db).squareRoot()
            total += e
            worst = max(worst, e)
        }
        return (total / Double(labA.count / 3), worst)
    }

    static func temporaryFile(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("colour-\(UUID().uuidString)-\(name)").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func compareWithPillow(profile: [UInt8], name: String) throws {
        let file = try Self.temporaryFile("\(name).png", try Fixtures.encoded(.png, Self.palette(), icc: profile))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let decoded = try ImageDecoder.decode(path: file)
        let (converted, outcome) = try ColorConversion.toSRGB(decoded.pixels, profile: decoded.iccProfile, path: file)
        guard case .converted = outcome else { Issue.record("\(name) was not converted: \(outcome)"); return }
        let reference = try ExternalTools.pillowSRGB(file)
        try #require(reference.count == converted.pixels.count, "Pillow gave \(reference.count) bytes for \(name)")
        let (mean, worst) = Self.deltaE(converted.pixels, reference)
        #expect(worst < 2, "\(name): ΔE max \(worst), mean \(mean)")
        // And the conversion did something: the unconverted pixels are far from the reference.
        #expect(Self.deltaE(decoded.pixels.pixels, reference).max > 2, "\(name): converting changed nothing")
    }

    @Test(.enabled(if: ExternalTools.hasPillow, "Pillow (ImageCms) is not installed: run scripts/test.sh"))
    func displayP3MatchesPillow() throws {
        try compareWithPillow(profile: Self.displayP3, name: "display-p3")
    }

    @Test(.enabled(if: ExternalTools.hasPillow && ExternalTools.profile(ExternalTools.adobeRGB) != nil,
                   "Pillow or colord-data's Adobe RGB profile is missing: run scripts/test.sh"))
    func adobeRGBMatchesPillow() throws {
        try compareWithPillow(profile: ExternalTools.profile(ExternalTools.adobeRGB)!, name: "adobe-rgb")
    }

    @Test(.enabled(if: ExternalTools.hasPillow && ExternalTools.profile(ExternalTools.proPhoto) != nil,
                   "Pillow or colord-data's ProPhoto profile is missing: run scripts/test.sh"))
    func proPhotoMatchesPillow() throws {
        try compareWithPillow(profile: ExternalTools.profile(ExternalTools.proPhoto)!, name: "prophoto")
    }

    /// A print CMYK JPEG (Adobe-inverted, with its profile) goes through the profile, like Pillow, and
    /// not through the naive inversion (which is far off).
    @Test(.enabled(if: ExternalTools.hasPillow && ExternalTools.profile(ExternalTools.cmyk) != nil,
                   "Pillow or libgs-common's CMYK profile is missing: run scripts/test.sh"))
    func cmykJPEGGoesThroughItsProfile() throws {
        let profile = ExternalTools.profile(ExternalTools.cmyk)!
        let width = 32, height = 32
        var inks = [UInt8]()
        for y in 0..<height {
            for x in 0..<width {
                // Ink coverage, stored inverted as Adobe's writers do (255 = no ink).
                let c = x * 8, m = y * 8, yellow = (x + y) * 4, k = (x * y) % 96
                inks += [c, m, yellow, k].map { UInt8(255 - min($0, 255)) }
            }
        }
        let jpeg = try LibJPEG.encode(inks, width: width, height: height, channels: 4, quality: 95, progressive: false,
                                      icc: profile, path: "cmyk.jpg")
        let file = try Self.temporaryFile("cmyk.jpg", jpeg)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let decoded = try ImageDecoder.decode(path: file)
        #expect(decoded.info.colorModel == .cmyk)
        #expect(decoded.iccProfile == nil, "a CMYK profile must not be carried onto RGB pixels")
        let reference = try ExternalTools.pillowSRGB(file)
        try #require(reference.count == decoded.pixels.pixels.count)
        let (mean, worst) = Self.deltaE(decoded.pixels.pixels, reference)
        #expect(worst < 2, "CMYK: ΔE max \(worst), mean \(mean)")
        // The naive formula on the same inks (before JPEG's small losses) is far from the reference.
        let naive = LibJPEG.cmykToRGB(inks, width: width, height: height, inverted: true)
        #expect(Self.deltaE(naive.pixels, reference).mean > 3, "the naive formula should be visibly off")
    }

    @Test func sRGBProfilesNeedNoConversion() throws {
        #expect(ColorProfile.sRGB.isSRGB)
        #expect(ColorProfile.sRGB.space == .rgb)
        if let colordSRGB = ExternalTools.profile("/usr/share/color/icc/colord/sRGB.icc") {
            #expect(ColorProfile(bytes: colordSRGB)?.isSRGB == true)
        }
        #expect(ColorProfile(bytes: Self.displayP3)?.isSRGB == false)
        #expect(ColorProfile(bytes: Self.displayP3)?.name == "Display P3")
        let (pixels, outcome) = try ColorConversion.toSRGB(Self.palette(), profile: ColorProfile.sRGB.bytes, path: "x")
        #expect(outcome == .alreadySRGB && pixels == Self.palette())
    }

    @Test func unreadableProfileIsATypedError() {
        #expect(throws: ColorError.unreadableProfile(path: "bad.png", bytes: 4)) {
            try ColorConversion.toSRGB(Self.palette(), profile: [1, 2, 3, 4], path: "bad.png")
        }
    }

    /// Thumbnails convert to sRGB by default and keep the profile when asked.
    @Test func thumbnailsConvertToSRGBByDefault() throws {
        let file = try Self.temporaryFile("p3.png", try Fixtures.encoded(.png, Self.palette(width: 64, height: 64), icc: Self.displayP3))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let converted = try Thumbnailer.thumbnail(path: file, options: .size(32))
        #expect(converted.iccProfile == nil)
        #expect(converted.decisions.contains("colour: Display P3 → sRGB"))
        let kept = try Thumbnailer.thumbnail(path: file, options: ThumbnailOptions.size(32).with(colour: .keepProfile, metadata: .provenance))
        #expect(kept.iccProfile == Self.displayP3)
        #expect(kept.pixels != converted.pixels)
    }
}
