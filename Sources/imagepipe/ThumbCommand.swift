import ArgumentParser
import ImageCore

#if canImport(Glibc)
    import Glibc
#endif

extension ThumbnailFit: ExpressibleByArgument {}
extension ImageFormat: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(fileExtension: argument)
    }
}

/// `imagepipe thumb`: thumbnails of many files, in parallel.
struct ThumbCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "thumb",
        abstract: "Make thumbnails of many images, fast, into one folder.",
        discussion: """
            Decodes no more pixels than needed (JPEG DCT scaling, WebP scaled decoding, PNG rows reduced as \
            they stream in), filters with Lanczos-3 in premultiplied alpha, turns the picture upright and \
            converts an embedded colour profile to sRGB, as web tools do (--keep-profile keeps it instead). \
            Metadata: only the AI-provenance mark by default; --keep-metadata or --strip. Never enlarges unless --upscale. Outputs are <out>/<name>.<ext>; \
            inputs with the same name get -2, -3, ... A bad file is reported and the rest still complete.

            A progressive JPEG at least 8 times the box is made from its DC scans alone (the first few \
            scans, each pixel an 8×8 block average), without reading the rest of the file: under the \
            default --fail-on truncated a file without an end marker is still decoded whole and reported \
            truncated, but damage after the DC scans goes unseen. --fail-on error or warning reads every \
            scan. JPEGs with more than 500 scans are refused.

            Examples:
              imagepipe thumb --size 256 --out thumbs photos/
              imagepipe thumb --width 400 --height 300 --fit cover --format webp --out cards shop/*.jpg
              imagepipe thumb --size 128 --fit pad --background '#f4f4f4' --json --out tiles products/
            """)

    @Option(help: ArgumentHelp("Fit inside an N×N box (the default is 256 when no size is given).", valueName: "N"))
    var size: Int?

    @Option(help: ArgumentHelp("Largest width of the box.", valueName: "W"))
    var width: Int?

    @Option(help: ArgumentHelp("Largest height of the box.", valueName: "H"))
    var height: Int?

    @Option(help: "inside (whole picture in the box), cover (fill the box, crop centred) or pad (fill out with --background).")
    var fit: ThumbnailFit = .inside

    @Flag(help: "Enlarge pictures smaller than the box.")
    var upscale = false

    @Option(help: "Output format: jpeg, png or webp (default: the input's).")
    var format: ImageFormat?

    @Option(help: "JPEG or lossy WebP quality, 1-100.")
    var quality: Int = 80

    @Option(help: "Colour for flattening alpha (JPEG) and for padding: white, black or #rrggbb.")
    var background: String = "white"

    @Flag(help: "Filter in linear light instead of on the sRGB-encoded values.")
    var linear = false

    @Flag(help: "Keep the embedded colour profile instead of converting the pixels to sRGB.")
    var keepProfile = false

    @OptionGroup var metadata: MetadataOptions
    @OptionGroup var sharding: ShardOptions

    @Option(help: "How strict decoding is: none, truncated, error or warning (error and warning read every JPEG scan).")
    var failOn: FailOn = .truncated

    @Option(help: ArgumentHelp("Largest width × height accepted, checked before decoding (0: up to imagepipe's ceiling, 16383×16383).", valueName: "pixels"))
    var maxPixels: Int = ImageLimits.defaultPixels

    @Option(help: "Images processed at once (default: the number of cores).")
    var jobs: Int = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))

    @Option(help: ArgumentHelp("Folder for the thumbnails (created if missing).", valueName: "dir"))
    var out: String

    @Flag(help: "Write one JSON object per file (JSON Lines): input, output, width, height, bytes, error.")
    var json = false

    @Flag(help: "Print each decision: loader (and whether only a JPEG's DC scans were read), shrink-on-load factor, filter, final size.")
    var verbose = false

    @Argument(help: ArgumentHelp("Files, directories (walked recursively) or glob patterns.", valueName: "path"))
    var paths: [String]

    var options: ThumbnailOptions {
        ThumbnailOptions(
            width: width ?? size ?? (height == nil ? 256 : nil), height: height ?? size ?? (width == nil ? 256 : nil),
            fit: fit, upscale: upscale, format: format, quality: quality, background: RGB(parsing: background) ?? .white,
            light: linear ? .linear : .gamma, failOn: failOn, limits: ImageLimits(maxPixels: maxPixels == 0 ? nil : maxPixels))
            .with(colour: keepProfile ? .keepProfile : .convertToSRGB, metadata: metadata.policy)
    }

    func validate() throws {
        if size != nil && (width != nil || height != nil) {
            throw ValidationError("use --size, or --width and/or --height, not both")
        }
        if let size, size <= 0 { throw ValidationError("expected a positive integer for --size but received \(size)") }
        if let problem = options.problems.first { throw ValidationError(problem) }
        guard RGB(parsing: background) != nil else {
            throw ValidationError("expected white, black or #rrggbb for --background but received '\(background)'")
        }
        guard jobs > 0 else { throw ValidationError("expected a positive integer for --jobs but received \(jobs)") }
    }

    func run() throws {
        var output = LineWriter()
        let (files, expansionFailures) = expandInputs(paths, json: json, output: &output, shard: try sharding.selected())
        output.flush()
        guard AtomicFile.makeDirectories(out) else {
            printError("\(out): cannot create the output folder: \(String(cString: strerror(errno)))")
            throw ExitCode(1)
        }
        let progress = Progress(total: files.count, bar: !json && isatty(2) == 1)
        let json = self.json, verbose = self.verbose
        let started = monotonicSeconds()
        let results = ThumbnailBatch.run(inputs: files, outputDirectory: out, options: options, jobs: jobs) { result, completed in
            progress.clear()
            if json {
                var line = JSONLine()
                line.add("input", result.input)
                line.add("output", result.output)
                line.add("width", result.width)
                line.add("height", result.height)
                line.add("bytes", result.bytes)
                line.add("error", result.error)
                printLine(line.line)
            } else if let error = result.error {
                printError(error)
            } else if !progress.bar || verbose {
                var text = "\(result.input) → \(result.output ?? "")  \(result.width ?? 0)×\(result.height ?? 0), \(result.bytes ?? 0) bytes"
                if let warning = result.warnings.first { text += " (warning: \(warning))" }
                if verbose { text += result.decisions.map { "\n    " + $0 }.joined() }
                printLine(Array(text.utf8))
            }
            progress.show(completed: completed)
        }
        progress.clear()
        let failed = results.filter { $0.error != nil }.count + expansionFailures
        let seconds = monotonicSeconds() - started
        let rate = seconds > 0 ? Double(results.count) / seconds : 0
        printError("\(results.count - (failed - expansionFailures)) of \(results.count) thumbnails in \(format1(seconds)) s "
            + "(\(format1(rate)) images/s)" + (failed > 0 ? "; \(failed) failed" : ""))
        if failed > 0 { throw ExitCode(1) }
    }
}

/// A one-line progress bar on standard error, redrawn in place, only when standard error is a terminal.
final class Progress: Sendable {
    let total: Int
    let bar: Bool
    let started = monotonicSeconds()

    init(total: Int, bar: Bool) {
        self.total = total
        self.bar = bar
    }

    func show(completed: Int) {
        guard bar, total > 0 else { return }
        let width = 30
        let filled = completed * width / total
        let elapsed = monotonicSeconds() - started
        let rate = elapsed > 0 ? Double(completed) / elapsed : 0
        let remaining = rate > 0 ? Double(total - completed) / rate : 0
        let line = "\r[\(String(repeating: "#", count: filled))\(String(repeating: "-", count: width - filled))] "
            + "\(completed)/\(total)  \(format1(rate)) images/s  ETA \(Int(remaining.rounded())) s"
        writeError(line)
    }

    func clear() {
        if bar { writeError("\r\u{1B}[K") }
    }
}
