import ArgumentParser
import Synchronization
import ImageCore
import Pipeline

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
            they stream in, inflated on a second thread), filters with Lanczos-3 in premultiplied alpha, turns the picture upright and \
            converts an embedded colour profile to sRGB, as web tools do (--keep-profile keeps it instead). \
            Metadata: only the AI-provenance mark by default; --keep-metadata or --strip. Never enlarges \
            unless --upscale. A bad file is reported and the rest still complete.

            Names: <out>/<name>.<ext> by default; --name sets a template with {name}, {ext}, {dir} (the \
            input's folder below its argument), {width} and {height} (.{ext} is added when the template \
            leaves it out); --keep-tree mirrors each argument's folder tree under <out>. Two inputs that \
            would get the same name get -2, -3, ... in input order. An output that already exists is \
            skipped and counted in the summary; --overwrite replaces it. A thumbnail never replaces its \
            own input. --out - writes one thumbnail (of one file, or of - for standard input) to \
            standard output.

            A progressive JPEG at least 8 times the box is made from its DC scans alone (the first few \
            scans, each pixel an 8×8 block average), without reading the rest of the file: under the \
            default --fail-on truncated a file without an end marker is still decoded whole and reported \
            truncated, but damage after the DC scans goes unseen. --fail-on error or warning reads every \
            scan. JPEGs with more than 500 scans are refused.

            Examples:
              imagepipe thumb -s 256 -o thumbs photos/
              imagepipe thumb -s 200 -o thumbs --keep-tree shoots/
              imagepipe thumb -o thumbs --name '{dir}-{name}-{width}' shoots/
              imagepipe thumb --width 400 --height 300 --fit cover \\
                  --format webp -o cards 'shop/*.jpg'
              imagepipe thumb -s 128 -o - photo.jpg > small.jpg
            """)

    @Option(name: .shortAndLong, help: ArgumentHelp("Fit inside an N×N box (the default is 256 when no size is given).", valueName: "N"))
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

    @Option(name: .shortAndLong, help: ArgumentHelp("Images processed at once (default: the number of cores).", valueName: "N"))
    var jobs: Int?

    @Option(name: .shortAndLong, help: ArgumentHelp("Folder for the thumbnails (created if missing), or - for standard output (one input).", valueName: "dir"))
    var out: String

    @Option(help: ArgumentHelp("Output file name template: {name}, {ext}, {dir}, {width}, {height} (default: {name}.{ext}).", valueName: "template"))
    var name: String?

    @Flag(help: "Mirror each argument's folder tree under --out (a/x.jpg → <out>/a/x.jpg).")
    var keepTree = false

    @Flag(help: "Replace thumbnails that already exist (default: skip them and say so).")
    var overwrite = false

    @Flag(help: "Write one JSON object per file (JSON Lines): input, output, width, height, bytes, skipped, error.")
    var json = false

    @OptionGroup var quiet: QuietOption

    @Flag(name: .shortAndLong, help: "Print each decision: loader (and whether only a JPEG's DC scans were read), shrink-on-load factor, filter, final size.")
    var verbose = false

    @Argument(help: ArgumentHelp("Files, directories (walked recursively), glob patterns, or - for standard input.", valueName: "path"))
    var paths: [String]

    var options: ThumbnailOptions {
        ThumbnailOptions(
            width: width ?? size ?? (height == nil ? 256 : nil), height: height ?? size ?? (width == nil ? 256 : nil),
            fit: fit, upscale: upscale, format: format, quality: quality, background: RGB(parsing: background) ?? .white,
            light: linear ? .linear : .gamma, failOn: failOn, limits: ImageLimits(maxPixels: maxPixels == 0 ? nil : maxPixels))
            .with(colour: keepProfile ? .keepProfile : .convertToSRGB, metadata: metadata.policy)
    }

    /// The naming of the outputs; `validate()` has made sure the template is usable.
    func naming() throws -> ThumbnailNaming {
        do {
            return try ThumbnailNaming(directory: out, template: name ?? ThumbnailNaming.defaultTemplate, keepTree: keepTree)
        } catch {
            throw ValidationError("\(error)")
        }
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
        if let jobs, jobs <= 0 { throw ValidationError("expected a positive integer for --jobs but received \(jobs)") }
        try quiet.refuse(json: json)
        _ = try naming()
        try checkStandardStreams()
    }

    /// `-` is one image in and one out. Checked again when running: a long list of paths reaches
    /// `validate()` shortened (see `OperandRuns`).
    private func checkStandardStreams() throws {
        if paths.contains("-") && (paths.count > 1 || out != "-") {
            throw ValidationError("- (standard input) is one image in and one out: use it alone, with --out -")
        }
        if out == "-" {
            guard paths.count == 1 else { throw ValidationError("--out - writes one thumbnail: give one file") }
            if json || name != nil || keepTree { throw ValidationError("--out - takes no --json, --name or --keep-tree") }
        }
    }

    func run() throws {
        try checkStandardStreams()
        if out == "-" { return try runToStandardOutput() }
        var output = LineWriter(quiet: quiet.quiet)
        let inputs = expandInputs(paths, json: json, output: &output, shard: try sharding.selected())
        output.flush()
        guard AtomicFile.makeDirectories(out) else {
            printError("\(out): cannot create the output folder: \(String(cString: strerror(errno)))")
            throw ExitCode(1)
        }
        let options = self.options
        let outputs = try naming().paths(for: zip(inputs.files, inputs.roots).map { (path: $0, root: $1) }, options: options)
        let lines = ThumbLines(json: json, quiet: quiet.quiet, verbose: verbose)
        var pending: (inputs: [String], outputs: [String]) = ([], [])
        var skipped = 0, refused = 0
        for (input, path) in zip(inputs.files, outputs) {
            guard let existing = FileStatus.of(path) else {
                pending.inputs.append(input)
                pending.outputs.append(path)
                continue
            }
            if existing == FileStatus.of(input) {
                refused += 1
                lines.report(ThumbnailResult(input: input, error: "\(input): its thumbnail would replace it (\(path)); choose another --out or --name"),
                             skipped: false)
            } else if overwrite {
                pending.inputs.append(input)
                pending.outputs.append(path)
            } else {
                skipped += 1
                lines.report(ThumbnailResult(input: input, output: path), skipped: true)
            }
        }
        let stopping = StopRequest()
        let interrupts = Interrupts { stopping.request() }
        let progress = ProgressBar(total: pending.inputs.count,
                                   shown: !quiet.quiet && Terminal.isTerminal(2) && !(json && Terminal.isTerminal(1)))
        let started = monotonicSeconds()
        let results = ThumbnailBatch.run(inputs: pending.inputs, outputs: pending.outputs, options: options, jobs: jobs ?? cores,
                                         stop: { stopping.requested }) { result, completed in
            progress.clear()
            lines.report(result, skipped: false, beside: progress)
            progress.show(completed: completed, file: result.input)
        }
        progress.clear()
        withExtendedLifetime(interrupts) {}
        let failed = results.filter { $0.error != nil }.count + refused + inputs.failures
        let made = results.count - results.filter { $0.error != nil }.count
        let seconds = monotonicSeconds() - started
        let rate = seconds > 0 ? Double(results.count) / seconds : 0
        let interrupted = stopping.requested
        if !quiet.quiet {
            var summary = "\(made) of \(inputs.files.count) thumbnails in \(format1(seconds)) s (\(format1(rate)) images/s)"
            if skipped > 0 { summary += "; \(skipped) skipped, already there (--overwrite replaces them)" }
            if failed > 0 { summary += "; \(failed) failed" }
            if interrupted { summary += "; interrupted, \(pending.inputs.count - results.count) not started" }
            printError(summary)
        }
        if interrupted { throw ExitCode(130) }
        if failed > 0 { throw ExitCode(1) }
    }

    private var cores: Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

    /// `--out -`: one thumbnail, of a file or of standard input, encoded to standard output and nothing else.
    private func runToStandardOutput() throws {
        do {
            try StandardStreams.checkOutputIsNotTerminal()
        } catch {
            printError("\(error)")
            throw ExitCode(2)
        }
        let input = paths[0]
        do {
            let thumbnail = input == "-"
                ? try Thumbnailer.thumbnail(bytes: StandardStreams.readInput(), path: StandardStreams.inputName, options: options)
                : try Thumbnailer.thumbnail(path: input, options: options)
            try StandardStreams.writeOutput(Thumbnailer.encode(thumbnail, options: options, path: StandardStreams.outputName))
            if verbose { for decision in thumbnail.decisions { printError(decision) } }
        } catch {
            printError((error as? any SubjectError)?.description ?? "\(input): \(error)")
            throw ExitCode(1)
        }
    }
}

/// How `thumb` prints each file, shared with the workers that report as they finish.
struct ThumbLines: Sendable {
    let json: Bool
    let quiet: Bool
    let verbose: Bool

    /// One file's line: JSON, an error on standard error, or (unless quiet) the text line on standard
    /// output. With the bar on a terminal, a terminal's standard output gets no per-file lines (the bar
    /// stands for them) unless --verbose; a redirected one always does.
    func report(_ result: ThumbnailResult, skipped: Bool, beside progress: ProgressBar? = nil) {
        if json {
            var line = JSONLine()
            line.add("input", result.input)
            line.add("output", result.output)
            line.add("width", result.width)
            line.add("height", result.height)
            line.add("bytes", result.bytes)
            line.add("skipped", skipped)
            line.add("error", result.error)
            printLine(line.line)
        } else if let error = result.error {
            printError(error)
        } else if !quiet && (verbose || progress?.shown != true || !Terminal.isTerminal(1)) {
            var text = "\(result.input) → \(result.output ?? "")"
            if skipped {
                text += "  skipped: already there"
            } else {
                text += "  \(result.width ?? 0)×\(result.height ?? 0), \(result.bytes ?? 0) bytes"
            }
            if let warning = result.warnings.first { text += " (warning: \(warning))" }
            if verbose { text += result.decisions.map { "\n    " + $0 }.joined() }
            printLine(Array(text.utf8))
        }
    }

}

/// Whether two paths are the same file (device and inode), and whether a path exists at all.
struct FileStatus: Equatable {
    let device: UInt64
    let inode: UInt64

    static func of(_ path: String) -> FileStatus? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return FileStatus(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
    }
}

/// A request to stop, made from a signal handler and read by the workers.
final class StopRequest: Sendable {
    private let flag = Atomic<Bool>(false)

    func request() { flag.store(true, ordering: .relaxed) }

    var requested: Bool { flag.load(ordering: .relaxed) }
}
