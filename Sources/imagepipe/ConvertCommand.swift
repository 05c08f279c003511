import ArgumentParser
import ImageCore
import Marketplace

/// `imagepipe convert`: decode, turn upright, encode in the format the output name asks for.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert an image to JPEG, PNG or WebP (by the output's extension), turned upright.",
        discussion: """
            The EXIF orientation is applied to the pixels, so the output stands upright in any viewer. Alpha \
            is kept where the output format has it (PNG, WebP) and flattened onto --background for JPEG. \
            The ICC profile is carried over (--srgb converts to sRGB instead). Metadata: by default only \
            the AI-provenance mark (IPTC digital source type) is kept; --keep-metadata keeps EXIF, XMP, \
            IPTC and the profile, --strip drops everything but the provenance mark. The output is written \
            atomically: on any failure no partial file is left behind.

            - reads the image from standard input (whole, up to 1 GiB; its format by content) and, as \
            OUTPUT, writes the encoded image to standard output and nothing else (--format names the \
            format; never to a terminal).

            Fixes: --flatten, --pad-square, --fill R, --long-side N; --fix-for PRESET applies every \
            mechanical fix a marketplace preset asks for (see README "Marketplace").

            Examples:
              imagepipe convert photo.png photo.jpg --quality 90
              imagepipe convert scan.jpg scan.webp --lossless
              imagepipe convert cutout.png main.jpg --fix-for amazon-main
              imagepipe convert p3-phone.jpg web.jpg --srgb --keep-metadata
              imagepipe convert - - -f webp < photo.png > photo.webp
            """)

    @Argument(help: ArgumentHelp("The image to read, or - for standard input.", valueName: "input"))
    var input: String

    @Argument(help: ArgumentHelp("Where to write it (.jpg/.jpeg, .png or .webp), or - for standard output.", valueName: "output"))
    var output: String

    @Option(name: .shortAndLong, help: "Output format: jpeg, png or webp (needed for -; otherwise the output's extension decides).")
    var format: ImageFormat?

    @Option(help: "JPEG or lossy WebP quality, 1-100.")
    var quality: Int = 85

    @Flag(help: "Write a progressive JPEG.")
    var progressive = false

    @Flag(help: "Write lossless WebP.")
    var lossless = false

    @Option(help: "PNG compression level, 0-9.")
    var compression: Int = 6

    @Option(help: "Colour alpha is flattened onto for JPEG: white, black or #rrggbb.")
    var background: String = "white"

    @Option(help: "How strict to be when decoding: none, truncated, error or warning.")
    var failOn: FailOn = .truncated

    @Option(help: ArgumentHelp("Largest width × height accepted, checked before decoding (0: up to imagepipe's ceiling, 16383×16383).", valueName: "pixels"))
    var maxPixels: Int = ImageLimits.defaultPixels

    @OptionGroup var metadata: MetadataOptions

    @Flag(help: "Convert an embedded colour profile (Adobe RGB, Display P3, ProPhoto, ...) to sRGB.")
    var srgb = false

    @Flag(help: "Flatten alpha onto --background whatever the output format.")
    var flatten = false

    @Flag(help: "Pad to a square on --background.")
    var padSquare = false

    @Option(help: ArgumentHelp("Crop the margins and re-frame so the content (non-background) spans this share of the frame, 0-1.", valueName: "R"))
    var fill: Double?

    @Option(help: ArgumentHelp("Scale so the longer side is N pixels.", valueName: "N"))
    var longSide: Int?

    @Option(help: ArgumentHelp("Apply every mechanical fix the marketplace preset asks for (amazon-main, shopify, ...).", valueName: "preset"))
    var fixFor: String?

    @Option(help: ArgumentHelp("A presets file overriding or adding to the bundled ones (or IMAGEPIPE_PRESETS).", valueName: "file"))
    var presets: String?

    @OptionGroup var quiet: QuietOption

    func validate() throws {
        if let fill, !(fill > 0 && fill <= 1) { throw ValidationError("expected a number above 0 and at most 1 for --fill but received \(fill)") }
        if let longSide, longSide <= 0 { throw ValidationError("expected a positive integer for --long-side but received \(longSide)") }
        if fixFor != nil && (flatten || padSquare || fill != nil || longSide != nil || srgb) {
            throw ValidationError("--fix-for applies its own fixes; leave out --flatten, --pad-square, --fill, --long-side and --srgb")
        }
        guard (1...100).contains(quality) else {
            throw ValidationError("expected an integer from 1 to 100 for --quality but received \(quality)")
        }
        guard (0...9).contains(compression) else {
            throw ValidationError("expected an integer from 0 to 9 for --compression but received \(compression)")
        }
        guard RGB(parsing: background) != nil else {
            throw ValidationError("expected white, black or #rrggbb for --background but received '\(background)'")
        }
        if fixFor != nil && (input == "-" || output == "-") { throw ValidationError("--fix-for reads and writes files, not -") }
        if output == "-" {
            if format == nil { throw ValidationError("writing to standard output (-) needs --format jpeg, png or webp") }
            return
        }
        let ext = output.split(separator: "/").last.flatMap { $0.contains(".") ? $0.split(separator: ".").last : nil }
        guard let ext, let named = ImageFormat(fileExtension: String(ext)) else {
            throw ValidationError("cannot tell the output format from '\(output)'; end it in .jpg, .png or .webp")
        }
        if let format, format != named {
            throw ValidationError("--format \(format.rawValue) but '\(output)' names \(named.rawValue); leave --format out or rename the output")
        }
    }

    func run() throws {
        if let fixFor {
            try runFix(fixFor)
            return
        }
        if output == "-" {
            do { try StandardStreams.checkOutputIsNotTerminal() } catch {
                printError("\(error)")
                throw ExitCode(2)
            }
        }
        let standardInput: [UInt8]?
        do { standardInput = input == "-" ? try StandardStreams.readInput() : nil } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
        let name = standardInput == nil ? input : StandardStreams.inputName
        let decodeOptions = DecodeOptions(failOn: failOn, limits: ImageLimits(maxPixels: maxPixels == 0 ? nil : maxPixels))
        let image = try standardInput.map { try ImageDecoder.decode(bytes: $0, path: name, options: decodeOptions) }
            ?? ImageDecoder.decode(path: input, options: decodeOptions)
        let background = RGB(parsing: self.background) ?? .white
        let source = try standardInput.map { try ImageMetadata.read(bytes: $0, path: name) } ?? ImageMetadata.read(path: input)
        let prepared = PreparedOutput.prepare(image.pixels, iccProfile: image.iccProfile, source: source,
                                              colour: srgb ? .convertToSRGB : .keepProfile, metadata: metadata.policy, path: name)
        if case .unusable(let reason) = prepared.colour { printError("\(name): warning: \(reason); colours left as they are") }
        var pixels = prepared.pixels
        if flatten { pixels = pixels.flattened(onto: background) }
        if let fill {
            guard let framed = pixels.reframed(fill: fill, square: padSquare, background: background, tolerance: 10) else {
                printError("\(name): nothing but background, so there is no content to frame")
                throw ExitCode(1)
            }
            pixels = framed
        } else if padSquare {
            pixels = pixels.paddedToSquare(background: background)
        }
        if let longSide { pixels = pixels.scaled(longSide: longSide) }
        let options = EncodeOptions(
            quality: quality, progressive: progressive, compressionLevel: compression, lossless: lossless,
            background: background)
        if output == "-", let format {
            let bytes = try ImageEncoder.encode(pixels, as: format, options: options, iccProfile: prepared.iccProfile,
                                                metadata: prepared.metadata, path: StandardStreams.outputName)
            do { try StandardStreams.writeOutput(bytes) } catch {
                printError("\(error)")
                throw ExitCode(1)
            }
            return
        }
        try ImageEncoder.write(pixels, to: output, options: options, iccProfile: prepared.iccProfile, metadata: prepared.metadata)
        let note = image.info.isAnimated ? " (first frame of an animation)" : ""
        if !quiet.quiet { print("\(output): \(pixels.width)×\(pixels.height) from \(name)\(note)") }
    }

    /// `--fix-for PRESET`: the composed marketplace fix, then the preset's verdicts on the result.
    private func runFix(_ name: String) throws {
        let preset: Preset
        do {
            preset = try PresetCatalogue.load(overridePath: presets).preset(name)
        } catch {
            printError(error.description)
            throw ExitCode(2)
        }
        let result = try MarketplaceFix.apply(preset, input: input, output: output, quality: quality, policy: metadata.policy)
        let report = try PresetEvaluator.evaluate(preset, path: output)
        if quiet.quiet {
            if !report.passed { printError("\(output): does not pass \(preset.name)") }
        } else {
            print("\(output): \(result.width)×\(result.height) from \(input), fixed for \(preset.name)")
            for step in result.steps { print("  \(step)") }
            for line in report.lines { print("  \(line)") }
        }
        if !report.passed { throw ExitCode(1) }
    }
}
