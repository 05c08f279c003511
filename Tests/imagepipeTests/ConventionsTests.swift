import Foundation
import ImageCore
import Testing

/// README "Conventions", checked against every non-pipeline command: exit codes, output streams, short
/// options, `--quiet`, `--version`, `-` for standard input and output, help text, completion scripts.
@Suite struct ConventionsTests {
    struct Output {
        var status: Int32
        var stdout: Data
        var stderr: String
    }

    /// Runs the binary with `input` (through a file) on its standard input.
    static func run(_ arguments: [String], input: Data = Data(), environment: [String: String] = [:]) throws -> Output {
        let inputFile = NSTemporaryDirectory() + "imagepipe-stdin-" + UUID().uuidString
        try input.write(to: URL(fileURLWithPath: inputFile))
        defer { try? FileManager.default.removeItem(atPath: inputFile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardInput = FileHandle(forReadingAtPath: inputFile)
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: stdout, stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Runs the binary with standard error (and, with `stdoutToo`, standard output) on a pseudo-terminal
    /// `columns` wide, through python3's pty module. Returns what the terminal received and the file
    /// standard output was redirected to. `environment` is added to this process's.
    static func runOnTerminal(_ arguments: [String], columns: Int, stdoutToo: Bool = false,
                              environment: [String: String] = [:]) throws
        -> (status: Int32, terminal: String, redirected: String)
    {
        let file = NSTemporaryDirectory() + "imagepipe-stdout-" + UUID().uuidString
        let script = """
            import fcntl, os, pty, struct, subprocess, sys, termios
            master, slave = pty.openpty()
            fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, int(sys.argv[1]), 0, 0))
            out = slave if sys.argv[2] == "tty" else open(sys.argv[3], "wb")
            env = dict(os.environ); env.pop("COLUMNS", None)
            child = subprocess.Popen(sys.argv[4:], stdin=subprocess.DEVNULL, stdout=out, stderr=slave, env=env)
            os.close(slave)
            seen = b""
            while True:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                seen += chunk
            child.wait()
            sys.stdout.buffer.write(seen)
            sys.exit(child.returncode)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, String(columns), stdoutToo ? "tty" : "file", file, CommandLineTests.binary]
            + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let seen = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let redirected = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        return (process.terminationStatus, String(decoding: seen, as: UTF8.self), redirected)
    }

    static let commands = ["probe", "check", "convert", "thumb", "models", "generate", "upscale", "verify", "simulate"]

    // MARK: exit codes

    @Test func nothingMatchedExitsOne() throws {
        let directory = try CommandLineTests.workspace()
        let pattern = directory + "/*.tiff"
        for arguments in [["probe", pattern], ["check", pattern], ["thumb", "-o", directory + "/t", pattern],
                          ["verify", "--preset", "shopify", pattern]] {
            let result = try CommandLineTests.run(arguments)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stderr.contains("\(pattern): no file matches this pattern"), "\(arguments): \(result.stderr)")
        }
        let missing = try CommandLineTests.run(["convert", directory + "/missing.png", directory + "/out.png"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("\(directory)/missing.png: "))
        let upscale = try CommandLineTests.run(["upscale", "--factor", "2", "-o", directory + "/up", directory + "/missing.png"])
        #expect(upscale.status == 1, "\(upscale.stderr)")
    }

    @Test func usageAndConfigurationErrorsExitTwo() throws {
        let operands = ["probe": ["a.png"], "check": ["a.png"], "convert": ["a.png", "b.png"], "thumb": ["-o", "t", "a.png"],
                        "generate": ["-m", "x", "-p", "y"], "upscale": ["--factor", "2", "a.png"],
                        "verify": ["--preset", "shopify", "a.png"]]
        for command in Self.commands {
            let result = try CommandLineTests.run([command] + operands[command, default: []] + ["--no-such-option"])
            #expect(result.status == 2, "\(command)")
            #expect(result.stderr.contains("--no-such-option"), "\(command): \(result.stderr)")
            #expect(result.stdout.isEmpty, "\(command)")
        }
        for command in ["probe a.png", "check a.png", "verify --preset shopify a.png", "generate -m x -p y",
                        "upscale --factor 2 a.png", "thumb -o t a.png"] {
            let words = command.split(separator: " ").map(String.init)
            let both = try CommandLineTests.run(words + ["--quiet", "--json"])
            #expect(both.status == 2, "\(command)")
            #expect(both.stderr.contains("use --quiet or --json, not both"), "\(command): \(both.stderr)")
        }
        let key = try CommandLineTests.run(["upscale", "--backend", "vicsee", "--factor", "2", "a.png"],
                                           environment: ["VICSEE_API_KEY": ""])
        #expect(key.status == 2)
        #expect(key.stderr.contains("VICSEE_API_KEY"))
    }

    @Test func versionComesFromOneConstant() throws {
        let result = try CommandLineTests.run(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.range(of: #"^\d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil, "\(result.stdout)")
        #expect(result.stderr.isEmpty)
    }

    // MARK: short options and --quiet

    @Test func shortOptionsAndQuiet() throws {
        let directory = try CommandLineTests.workspace()
        let good = directory + "/good.png"
        let thumb = try CommandLineTests.run(["thumb", "-s", "16", "-j", "1", "-o", directory + "/t", "-q", good])
        #expect(thumb.status == 0, "\(thumb.stderr)")
        #expect(thumb.stdout.isEmpty && thumb.stderr.isEmpty)
        #expect(try ImageProbe.probe(path: directory + "/t/good.png").width == 16)
        let verbose = try CommandLineTests.run(["thumb", "-s", "16", "-v", "-o", directory + "/t2", good])
        #expect(verbose.stdout.contains("filter: lanczos3"))

        let probe = try CommandLineTests.run(["probe", "-q", good, directory + "/notes.png"])
        #expect(probe.status == 1)
        #expect(probe.stdout.isEmpty)
        #expect(probe.stderr.hasPrefix("\(directory)/notes.png: not a JPEG, PNG or WebP file"), "\(probe.stderr)")
        #expect(probe.stderr.split(separator: "\n").count == 1)

        let check = try CommandLineTests.run(["check", "-q", good, directory + "/cut.jpg"])
        #expect(check.status == 1)
        #expect(check.stdout.isEmpty)
        #expect(check.stderr.hasPrefix("\(directory)/cut.jpg: truncated JPEG data") && !check.stderr.contains("files decoded"))

        let convert = try CommandLineTests.run(["convert", "-q", good, directory + "/c.jpg"])
        #expect(convert.status == 0 && convert.stdout.isEmpty && convert.stderr.isEmpty)

        let generated = try CommandLineTests.run(["generate", "-q", "-m", "gpt-image-2-text-to-image", "-p", "a mug",
                                                  "-o", directory + "/gen"])
        #expect(generated.status == 0, "\(generated.stderr)")
        #expect(generated.stdout.isEmpty && generated.stderr.isEmpty, "\(generated.stdout)\(generated.stderr)")
        let made = try FileManager.default.contentsOfDirectory(atPath: directory + "/gen")
        #expect(made.contains { $0.hasPrefix("SIMULATED-") })
    }

    // MARK: output streams

    /// Per-file lines reach a redirected standard output while standard error is a terminal, and the
    /// progress bar on that terminal fits its width and names the file.
    @Test func perFileLinesGoToARedirectedStdoutAndTheBarFitsTheTerminal() throws {
        let directory = try CommandLineTests.workspace()
        for index in 0..<6 {
            try FileManager.default.copyItem(atPath: directory + "/good.png", toPath: directory + "/a-rather-long-file-name-\(index).png")
        }
        let run = try Self.runOnTerminal(["thumb", "-s", "16", "-j", "1", "-o", directory + "/t", directory], columns: 50)
        #expect(run.status == 1)  // cut.jpg and notes.png
        let lines = run.redirected.split(separator: "\n")
        #expect(lines.count == 9, "\(run.redirected)")
        #expect(lines.allSatisfy { $0.contains(" → \(directory)/t/") })
        let redraws = run.terminal.split(separator: "\r").map { $0.replacingOccurrences(of: "\u{1B}[K", with: "") }
            .filter { $0.hasPrefix("[") }
        #expect(redraws.count == 11, "\(run.terminal.debugDescription)")
        for redraw in redraws {
            #expect(redraw.count <= 49, "\(redraw)")
        }
        #expect(redraws.contains { $0.contains("] 11/11 ") && $0.contains("...") && $0.hasSuffix(".png") })
        #expect(run.terminal.contains("truncated JPEG data"))
        #expect(run.terminal.contains("9 of 11 thumbnails"))

        // Both streams on the terminal: the bar stands for the per-file lines.
        let both = try Self.runOnTerminal(["thumb", "-s", "16", "-o", directory + "/t3", directory + "/good.png"], columns: 120,
                                          stdoutToo: true)
        #expect(both.status == 0)
        #expect(!both.terminal.contains(" → "))
        #expect(both.terminal.contains("[##############################] 1/1"))
    }

    // MARK: - for standard input and output

    @Test func convertReadsStandardInputAndWritesStandardOutput() throws {
        let directory = try CommandLineTests.workspace()
        let jpeg = try Data(contentsOf: URL(fileURLWithPath: directory + "/good.jpg"))
        let result = try Self.run(["convert", "-", "-", "-f", "png"], input: jpeg)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        let info = try ImageProbe.probe(bytes: [UInt8](result.stdout), path: "stdout")
        #expect(info.format == .png && info.width == 40 && info.height == 30)

        let toFile = try Self.run(["convert", "-", directory + "/from-stdin.webp"], input: jpeg)
        #expect(toFile.status == 0, "\(toFile.stderr)")
        #expect(String(decoding: toFile.stdout, as: UTF8.self) == "\(directory)/from-stdin.webp: 40×30 from standard input\n")

        let garbage = try Self.run(["convert", "-", "-", "-f", "png"], input: Data("hello".utf8))
        #expect(garbage.status == 1)
        #expect(garbage.stdout.isEmpty)
        #expect(garbage.stderr.contains("standard input: not a JPEG, PNG or WebP file"), "\(garbage.stderr)")

        let noFormat = try Self.run(["convert", directory + "/good.png", "-"])
        #expect(noFormat.status == 2)
        #expect(noFormat.stderr.contains("writing to standard output (-) needs --format"))

        let terminal = try Self.runOnTerminal(["convert", directory + "/good.png", "-", "-f", "png"], columns: 80, stdoutToo: true)
        #expect(terminal.status == 2)
        #expect(terminal.terminal.contains("standard output: is a terminal; image data is not written to it"))
        #expect(!terminal.terminal.contains("PNG"))
    }

    @Test func thumbOfOneFileToStandardOutput() throws {
        let directory = try CommandLineTests.workspace()
        let file = try Self.run(["thumb", "-s", "16", "-o", "-", directory + "/good.jpg"])
        #expect(file.status == 0, "\(file.stderr)")
        #expect(file.stderr.isEmpty)
        let info = try ImageProbe.probe(bytes: [UInt8](file.stdout), path: "stdout")
        #expect(info.format == .jpeg && info.width == 16 && info.height == 12)

        let webp = try Data(contentsOf: URL(fileURLWithPath: directory + "/good.webp"))
        let piped = try Self.run(["thumb", "-s", "20", "--format", "png", "-o", "-", "-"], input: webp)
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(try ImageProbe.probe(bytes: [UInt8](piped.stdout), path: "stdout").width == 20)

        let two = try Self.run(["thumb", "-o", "-", directory + "/good.jpg", directory + "/good.png"])
        #expect(two.status == 2)
        #expect(two.stderr.contains("--out - writes one thumbnail"))
        #expect(try Self.run(["thumb", "-o", directory + "/t", "-"]).status == 2)
        let cut = try Self.run(["thumb", "-o", "-", "-"], input: Data("x".utf8))
        #expect(cut.status == 1 && cut.stdout.isEmpty)
    }

    // MARK: help, man page, completion

    /// At 80 columns no example is wrapped mid-command (a continued line follows one ending in `\`),
    /// and no option's help says its default twice.
    @Test func helpExamplesFitAndDefaultsAreSaidOnce() throws {
        for command in Self.commands + ["steps", "plan", "run"] {
            let help = try CommandLineTests.run([command, "--help"], environment: ["COLUMNS": "80"])
            #expect(help.status == 0, "\(command)")
            let lines = help.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            guard let start = lines.firstIndex(of: "Examples:") else { continue }
            var previous = "Examples:"
            for line in lines[(start + 1)...] {
                if line.isEmpty || line.hasPrefix("USAGE:") || line.hasPrefix("OPTIONS:") { break }
                let continued = previous.hasSuffix("\\")
                let starts = line.hasPrefix("  imagepipe ") || line.hasPrefix("  VICSEE_API_KEY=")
                if Self.pipelineCommands.contains(command) { continue }  // run and plan: the runlog engineer's
                #expect(starts || continued, "\(command): wrapped example line: \(line)")
                #expect(line.count <= 80, "\(command): \(line)")
                previous = line
            }
            let flat = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            #expect(flat.range(of: #"\(default: [^)]*\)\.? \(default:"#, options: .regularExpression) == nil, "\(command)")
        }
    }

    static let pipelineCommands: Set<String> = ["plan", "run", "steps"]

    /// swift-argument-parser's generate-manual, built beside the binary by `scripts/test.sh` and
    /// `scripts/manpage.sh`, makes one page with every subcommand.
    static let manualTool = URL(fileURLWithPath: CommandLineTests.binary).deletingLastPathComponent()
        .appendingPathComponent("generate-manual").path

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: manualTool), "generate-manual is not built (swift build --product generate-manual)"))
    func manPageHasEveryCommand() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.manualTool)
        process.arguments = [CommandLineTests.binary, "--date", "2026-01-01", "--output-directory", "-"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let page = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(page.contains(".Dt IMAGEPIPE 1"))
        for command in Self.commands + ["plan", "run", "steps"] {
            #expect(page.contains(".It Em \(command)"), "\(command)")
        }
        #expect(page.contains("keep-tree") && page.contains("Exit codes: 0"))
    }

    @Test func completionScriptsAreGeneratedAndBashsParses() throws {
        for shell in ["bash", "zsh", "fish"] {
            let result = try CommandLineTests.run(["--generate-completion-script", shell])
            #expect(result.status == 0, "\(shell)")
            #expect(result.stdout.contains("thumb") && result.stdout.contains("keep-tree"), "\(shell)")
        }
        let bash = try CommandLineTests.run(["--generate-completion-script", "bash"])
        let file = NSTemporaryDirectory() + "imagepipe-completion-" + UUID().uuidString + ".bash"
        try bash.stdout.write(toFile: file, atomically: true, encoding: .utf8)
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/bin/bash")
        check.arguments = ["-c", "bash -n \"$1\" && source \"$1\" && complete -p imagepipe", "-", file]
        let out = Pipe()
        check.standardOutput = out
        try check.run()
        let said = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        check.waitUntilExit()
        #expect(check.terminationStatus == 0)
        #expect(said.contains("imagepipe"))
    }
}
