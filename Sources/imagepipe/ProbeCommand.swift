import ArgumentParser
import ImageCore

/// `imagepipe probe`: what each file is, from its header alone.
struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Report each image's real format, size, orientation and more, from its header alone.",
        discussion: """
            Reads only the bytes each header needs, so a 30 MB file costs the same as a 30 kB one. Width \
            and height are upright (EXIF orientation applied); storedWidth/storedHeight are as stored.

            By default a file above 30,000,000 bytes (the service's reference limit) or 100 megapixels is \
            reported as failed; --max-bytes 0 and --max-pixels 0 lift the limits.

            Examples:
              imagepipe probe photo.jpg
              imagepipe probe --json samples/ > facts.jsonl
              imagepipe probe 'shoots/**/*.jpg' --max-bytes 0
            """)

    @Flag(help: "Write one JSON object per file (JSON Lines) instead of text.")
    var json = false

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
        var failures = inputs.failures
        let limits = limits.limits
        for file in inputs.files {
            do {
                let info = try ImageProbe.probe(path: file, limits: limits)
                let metadata = try ImageMetadata.read(path: file)
                if json { output.write(jsonLine(file, info, metadata)) } else { output.write(textLine(file, info, metadata)) }
            } catch {
                failures += 1
                if json {
                    var line = JSONLine()
                    line.add("path", file)
                    line.add("error", error.description)
                    output.write(line)
                } else {
                    output.error(error.description)
                }
            }
        }
        output.flush()
        if failures > 0 { throw ExitCode(1) }
    }

    private func jsonLine(_ path: String, _ info: ImageInfo, _ metadata: ImageMetadata) -> JSONLine {
        var line = JSONLine()
        line.add("path", path)
        line.add("format", info.format.rawValue)
        line.add("width", info.width)
        line.add("height", info.height)
        line.add("storedWidth", info.storedWidth)
        line.add("storedHeight", info.storedHeight)
        line.add("orientation", info.orientation.rawValue)
        line.add("bytes", info.bytes)
        line.add("alpha", info.hasAlpha)
        line.add("animated", info.isAnimated)
        line.add("progressive", info.isProgressive)
        line.add("bitDepth", info.bitDepth)
        line.add("colorModel", info.colorModel.rawValue)
        line.add("icc", info.hasICCProfile)
        line.add("mislabelled", isMislabelled(path, info.format))
        addMetadata(metadata, to: &line)
        line.add("error", nil as String?)
        return line
    }

    private func textLine(_ path: String, _ info: ImageInfo, _ metadata: ImageMetadata) -> String {
        var parts = ["\(info.format.displayName) \(info.width)×\(info.height)"]
        if info.orientation != .up {
            parts.append("stored \(info.storedWidth)×\(info.storedHeight), orientation \(info.orientation.rawValue)")
        }
        parts.append("\(info.bitDepth)-bit \(info.colorModel.rawValue)")
        if info.hasAlpha { parts.append("alpha") }
        if info.isProgressive { parts.append(info.format == .png ? "interlaced" : "progressive") }
        if info.isAnimated { parts.append("animated") }
        if info.hasICCProfile { parts.append("ICC") }
        parts += metadataWords(metadata)
        parts.append("\(info.bytes) bytes")
        if isMislabelled(path, info.format) { parts.append("named as another format") }
        return "\(path): " + parts.joined(separator: ", ")
    }
}

/// True when the file's extension names an image format other than the one its content is.
func isMislabelled(_ path: String, _ format: ImageFormat) -> Bool {
    let utf8 = path.utf8
    guard let dot = utf8.lastIndex(of: UInt8(ascii: ".")), !utf8[dot...].contains(UInt8(ascii: "/")) else { return false }
    guard let named = ImageFormat(fileExtension: String(path[path.index(after: dot)...])) else { return false }
    return named != format
}
