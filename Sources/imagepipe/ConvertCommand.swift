import ArgumentParser
import ImageCore

/// `imagepipe convert`: decode, turn upright, encode in the format the output name asks for.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert an image to JPEG, PNG or WebP (by the output's extension), turned upright.",
        discussion: """
            The EXIF orientation is applied to the pixels, so the output stands upright in any viewer. Alpha \
            is kept where the output format has it (PNG, WebP) and flattened onto --background for JPEG. \
            The ICC profile is carried over. The output is written atomically: on any failure no partial \
            file is left behind.

            Examples:
              imagepipe convert photo.png photo.jpg --quality 90
              imagepipe convert scan.jpg scan.webp --lossless
            """)

    @Argument(help: ArgumentHelp("The image to read.", valueName: "input"))
    var input: String

    @Argument(help: ArgumentHelp("Where to write it; .jpg/.jpeg, .png or .webp.", valueName: "output"))
    var output: String

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

    func validate() throws {
        guard (1...100).contains(quality) else {
            throw ValidationError("expected an integer from 1 to 100 for --quality but received \(quality)")
        }
        guard (0...9).contains(compression) else {
            throw ValidationError("expected an integer from 0 to 9 for --compression but received \(compression)")
        }
        guard RGB(parsing: background) != nil else {
            throw ValidationError("expected white, black or #rrggbb for --background but received '\(background)'")
        }
        let ext = output.split(separator: "/").last.flatMap { $0.contains(".") ? $0.split(separator: ".").last : nil }
        guard let ext, ImageFormat(fileExtension: String(ext)) != nil else {
            throw ValidationError("cannot tell the output format from '\(output)'; end it in .jpg, .png or .webp")
        }
    }

    func run() throws {
        let image = try ImageDecoder.decode(
            path: input,
            options: DecodeOptions(failOn: failOn, limits: ImageLimits(maxPixels: maxPixels == 0 ? nil : maxPixels)))
        let options = EncodeOptions(
            quality: quality, progressive: progressive, compressionLevel: compression, lossless: lossless,
            background: RGB(parsing: background) ?? .white)
        try ImageEncoder.write(image.pixels, to: output, options: options, iccProfile: image.iccProfile)
        let note = image.info.isAnimated ? " (first frame of an animation)" : ""
        print("\(output): \(image.pixels.width)×\(image.pixels.height) from \(input)\(note)")
    }
}
