import ArgumentParser
import ImageCore

#if canImport(Glibc)
    import Glibc
#endif

/// `imagepipe check`: decode every file in full, to find the truncated and the corrupt.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Decode each image in full and report the ones that are truncated or damaged.",
        discussion: """
            A header can be intact while the data after it is cut off or damaged; only a full decode tells. \
            --fail-on sets how strict to be: none, truncated (default), error (also damaged data the \
            decoder worked around), warning (also harmless warnings).

            Examples:
              imagepipe check downloads/
              imagepipe check --fail-on error --json outputs/*.png
            """)

    @Flag(help: "Write one JSON object per file (JSON Lines) instead of text.")
    var json = false

    @Option(help: "How strict to be: none, truncated, error or warning.")
    var failOn: FailOn = .truncated

    @OptionGroup var limits: LimitOptions
    @OptionGroup var sharding: ShardOptions

    @OptionGroup var quiet: QuietOption

    @Argument(help: ArgumentHelp("Files, directories (walked recursively) or glob patterns.", valueName: "path"))
    var paths: [String]

    func validate() throws {
        try quiet.refuse(json: json)
    }

    func run() throws {
        var output = LineWriter(quiet: quiet.quiet)
        let inputs = expandInputs(paths, json: json, output: &output, shard: try sharding.selected())
        let files = inputs.files, expansionFailures = inputs.failures
        var failures = expansionFailures
        var totalPixels = 0
        let started = monotonicSeconds()
        for file in files {
            let start = monotonicSeconds()
            do {
                // Every pixel is decoded, none is kept: memory stays at a few rows (see ImageLimits).
                let image = try ImageDecoder.check(
                    path: file, options: DecodeOptions(failOn: failOn, limits: limits.limits, applyOrientation: false))
                let seconds = monotonicSeconds() - start
                totalPixels += image.info.pixelCount
                if json {
                    var line = JSONLine()
                    line.add("path", file)
                    line.add("format", image.info.format.rawValue)
                    line.add("width", image.info.width)
                    line.add("height", image.info.height)
                    line.add("seconds", seconds)
                    line.add("animated", image.info.isAnimated)
                    line.add("warning", image.warnings.first)
                    line.add("error", nil as String?)
                    output.write(line)
                } else {
                    var note = image.warnings.first.map { " (warning: \($0))" } ?? ""
                    if image.info.isAnimated { note += " (animated: first frame decoded)" }
                    output.write("\(file): ok, \(image.info.format.displayName) \(image.info.width)×\(image.info.height)\(note)")
                }
            } catch {
                failures += 1
                let message = (error as? FileError)?.description ?? "\(file): \(error)"
                if json {
                    var line = JSONLine()
                    line.add("path", file)
                    line.add("error", message)
                    output.write(line)
                } else {
                    output.error(message)
                }
            }
        }
        output.flush()
        if !json && !quiet.quiet && files.count > 1 {
            let seconds = monotonicSeconds() - started
            let rate = seconds > 0 ? Double(totalPixels) / 1e6 / seconds : 0
            printError("\(files.count - (failures - expansionFailures)) of \(files.count) files decoded, "
                + "\(String(format1(rate))) MPix/s")
        }
        if failures > 0 { throw ExitCode(1) }
    }
}

/// Seconds on the monotonic clock, for throughput figures.
func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// One decimal place, without Foundation's formatter.
func format1(_ value: Double) -> String {
    let tenths = Int((value * 10).rounded())
    return "\(tenths / 10).\(abs(tenths % 10))"
}
