extension Thumbnailer {
    /// The colour and metadata stage of a thumbnail: on the small picture, after resizing and before
    /// turning and padding (so a pad colour is never converted), as libvips does. Profiles are converted
    /// to sRGB unless `options.colour` keeps them; the metadata to write follows `options.metadata`.
    static func manageColour(
        _ pixels: PixelBuffer, iccProfile: [UInt8]?, bytes: [UInt8], path: String, options: ThumbnailOptions,
        decisions: inout [String], warnings: inout [String]
    ) throws -> PreparedOutput {
        let prepared = PreparedOutput.prepare(
            pixels, iccProfile: iccProfile, source: try ImageMetadata.read(bytes: bytes, path: path),
            colour: options.colour, metadata: options.metadata, path: path)
        switch prepared.colour {
        case .converted(let name): decisions.append("colour: \(name) → sRGB")
        case .unusable(let reason): warnings.append(reason + "; colours left as they are")
        case .alreadySRGB, .greyKept, nil: break
        }
        return prepared
    }
}
