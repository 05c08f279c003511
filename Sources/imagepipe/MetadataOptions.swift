import ArgumentParser
import ImageCore

/// `--keep-metadata` and `--strip`, shared by `convert` and `thumb`.
struct MetadataOptions: ParsableArguments {
    @Flag(help: "Keep EXIF (less its orientation: the output is upright), XMP, IPTC and the ICC profile.")
    var keepMetadata = false

    @Flag(help: "Write no metadata and no profile (colours are converted to sRGB first); the AI-provenance mark is still kept.")
    var strip = false

    func validate() throws {
        if keepMetadata && strip { throw ValidationError("use --keep-metadata or --strip, not both") }
    }

    var policy: MetadataPolicy { keepMetadata ? .keep : strip ? .strip : .provenance }
}
