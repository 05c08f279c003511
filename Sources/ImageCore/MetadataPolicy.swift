/// What metadata a re-encoded output (convert, thumb, a fix) carries over from its source.
public enum MetadataPolicy: String, Sendable, CaseIterable, Codable {
    /// The default: the colour profile (see `ColourHandling`) and the AI-provenance mark (the IPTC
    /// digital source type) are kept; EXIF, IPTC and the rest of XMP (camera, GPS, copyright) are not.
    case provenance
    /// `--keep-metadata`: EXIF (less its orientation, the pixels being upright), XMP, IPTC and the profile.
    case keep
    /// `--strip`: nothing but the AI-provenance mark, which marketplaces require on AI images; the pixels
    /// are converted to sRGB first so that dropping the profile shifts no colour.
    case strip

    /// What of `source` an output carries under this policy. A digital source type found only in a C2PA
    /// manifest (which a re-encoded file cannot keep) is carried as XMP, so provenance survives.
    public func carried(from source: ImageMetadata) -> ImageMetadata {
        let mark = source.digitalSourceType?.type
        switch self {
        case .provenance, .strip:
            return ImageMetadata(xmp: mark.map(XMPPacket.provenance))
        case .keep:
            var xmp = source.xmp
            if let mark { xmp = XMPPacket.adding(mark, to: xmp) }
            return ImageMetadata(exif: source.exif.flatMap(ExifEditing.removingOrientation), xmp: xmp, iptc: source.iptc)
        }
    }
}

/// What happens to an embedded colour profile when an image is written again.
public enum ColourHandling: String, Sendable, CaseIterable, Codable {
    /// Keep the profile with the pixels as they are (convert's default).
    case keepProfile
    /// Convert the pixels to sRGB and write no profile, as web tools do (thumb's default); with
    /// `MetadataPolicy.keep` a compact sRGB profile is written instead, so the file still says what it is.
    case convertToSRGB
}

/// A picture ready to be encoded: its pixels, the profile that describes them and the metadata to write.
public struct PreparedOutput: Sendable {
    public var pixels: PixelBuffer
    public var iccProfile: [UInt8]?
    public var metadata: ImageMetadata
    /// What the colour stage did (nil when it kept the profile as it was).
    public var colour: ColorConversion.Outcome?

    /// Applies the colour handling and metadata policy in their one fixed order: colour first (strip
    /// forces sRGB), then the profile that describes the result, then the metadata carried over. A profile
    /// that cannot be used leaves the pixels as they are (and the profile with them, unless stripping):
    /// a damaged profile is no reason to lose the picture.
    public static func prepare(
        _ pixels: PixelBuffer, iccProfile: [UInt8]?, source: ImageMetadata, colour: ColourHandling,
        metadata policy: MetadataPolicy, path: String
    ) -> PreparedOutput {
        var output = PreparedOutput(pixels: pixels, iccProfile: iccProfile, metadata: policy.carried(from: source), colour: nil)
        guard colour == .convertToSRGB || policy == .strip else { return output }
        do throws(ColorError) {
            let (converted, outcome) = try ColorConversion.toSRGB(pixels, profile: iccProfile, path: path)
            output.pixels = converted
            output.colour = outcome
            if outcome != .greyKept { output.iccProfile = policy == .keep && iccProfile != nil ? ColorProfile.sRGB.bytes : nil }
        } catch {
            output.colour = .unusable(reason: error.reason)
        }
        if policy == .strip { output.iccProfile = nil }
        return output
    }
}
