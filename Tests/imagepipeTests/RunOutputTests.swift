import Foundation
import Testing

/// What `run` and `plan` print, as a script and a person read it: JSON Lines that parse line by line and
/// match the README's table, a line per item and step with progress, a status line that fits the
/// terminal and is drawn only on one, `--quiet`, the short options, and exit 1 for a pattern that
/// matches nothing. Every run goes through the built binary against the real simulator.
@Suite(.serialized) struct RunOutputTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// A thumbnails-only pipeline over `patterns` writing to a fresh folder (no service, no credits).
    static func thumbnails(_ patterns: [String]) throws -> (directory: String, file: String) {
        let directory = NSTemporaryDirectory() + "imagepipe-runout-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let inputs = patterns.map { "\"\($0)\"" }.joined(separator: " ")
        try """
            pipeline thumbs
            input \(inputs)
            check
            thumbnail size 32
            output \(directory)/out
            """.write(toFile: directory + "/thumbs.pipe", atomically: true, encoding: .utf8)
        return (directory, directory + "/thumbs.pipe")
    }

    /// Every line of `stdout` as a JSON object; a line that is not one is recorded as an issue.
    static func objects(_ stdout: String) -> [[String: Any]] {
        stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().compactMap { line in
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            if object == nil { Issue.record("not a JSON object on its own: \(line)") }
            return object
        }
    }

    /// The README's table of JSON fields: schema → event → fields.
    static func documentedFields() throws -> [String: [String: Set<String>]] {
        let readme = try String(contentsOfFile: root + "/README.md", encoding: .utf8)
        let begin = try #require(readme.range(of: "<!-- json-events:begin -->"))
        let end = try #require(readme.range(of: "<!-- json-events:end -->"))
        var table: [String: [String: Set<String>]] = [:]
        let events = ["imagepipe.run/1": ["start", "input", "step", "summary"], "imagepipe.plan/1": ["start", "input", "item", "summary"]]
        for row in readme[begin.upperBound..<end.lowerBound].split(separator: "\n").dropFirst(2) {
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 3 else { continue }
            let schemas = cells[0] == "both" ? Array(events.keys) : ["imagepipe.\(cells[0])/1"]
            let field = cells[2].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            for schema in schemas {
                let named = cells[1] == "all" ? events[schema]! : cells[1].split(separator: ",").map {
                    $0.trimmingCharacters(in: CharacterSet(charactersIn: "` "))
                }
                for event in named where events[schema]!.contains(event) { table[schema, default: [:]][event, default: []].insert(field) }
            }
        }
        return table
    }

    /// `run --json` and `plan --json` against the real simulator: every line is one JSON object with a
    /// schema, a start first and a summary last, a step event per item and stage with credits, task and
    /// output; the fields are exactly the README's; the API key appears nowhere.
    @Test(.timeLimit(.minutes(3))) func jsonLinesAreTheDocumentedEvents() throws {
        let (simulator, base) = try CommandLineTests.startSimulator(["--latency", "0.05"])
        defer { simulator.terminate() }
        let (_, file) = try RunCommandTests.pipeline(items: 2, concurrency: 2)
        var seen: [String: [String: Set<String>]] = [:]
        func collect(_ objects: [[String: Any]]) {
            for object in objects {
                guard let schema = object["schema"] as? String, let event = object["event"] as? String else {
                    Issue.record("no schema or event: \(object)")
                    continue
                }
                let keys = Set(object.keys)
                if let earlier = seen[schema]?[event] { #expect(earlier == keys, "\(schema) \(event) changes its fields") }
                seen[schema, default: [:]][event] = keys
            }
        }

        let plan = try CommandLineTests.run(["plan", "--json", file])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stderr == "")
        let planned = Self.objects(plan.stdout)
        #expect(planned.map { $0["event"] as? String } == ["start", "item", "item", "summary"])
        #expect(planned.allSatisfy { $0["schema"] as? String == "imagepipe.plan/1" })
        #expect(planned[1]["credits"] as? Int == 8 && planned[1]["tier"] as? String == "1K" && planned[1]["problems"] is [Any])
        #expect(planned.last?["credits"] as? Int == 16 && planned.last?["exit"] as? Int == 0)
        collect(planned)

        let run = try RunCommandTests.run(file, base, ["--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let key = RunCommandTests.key["VICSEE_API_KEY"]!
        #expect(!run.stdout.contains(key) && !run.stderr.contains(key))
        #expect(!run.stderr.contains(" → "), "per-item lines stay off standard error with --json: \(run.stderr)")
        let events = Self.objects(run.stdout)
        #expect(events.allSatisfy { $0["schema"] as? String == "imagepipe.run/1" })
        #expect(events.first?["event"] as? String == "start" && events.first?["items"] as? Int == 2 && events.first?["backend"] as? String == "vicsee")
        #expect(events.last?["event"] as? String == "summary" && events.last?["done"] as? Int == 2 && events.last?["exit"] as? Int == 0)
        #expect(events.last?["credits"] as? Int == 16 && (events.last?["unfinished"] as? [Any])?.isEmpty == true)
        for item in ["item 1", "item 2"] {
            let steps = events.filter { $0["item"] as? String == item }
            #expect(steps.map { "\($0["step"]!) \($0["state"]!)" } == [
                "aspect pending", "generate submitting", "generate submitted", "generate downloaded", "verify done", "thumbnail done",
            ])
            let submitted = steps.first { $0["state"] as? String == "submitted" }
            #expect(submitted?["task"] is String && submitted?["credits"] as? Int == 8)
            #expect((steps.last?["output"] as? String)?.hasSuffix(".png") == true)
            #expect(steps.allSatisfy { ($0["problems"] as? [Any])?.isEmpty == true && $0["total"] as? Int == 2 })
        }
        let credits = events.compactMap { $0["creditsSoFar"] as? Int }
        #expect(credits == credits.sorted() && credits.last == 16, "credits so far never go down")
        collect(events)

        // An input pattern that matches nothing: an `input` event, in run and in plan.
        let (_, thumbs) = try Self.thumbnails([Self.root + "/samples/mug-phone.jpg", "nowhere/*.png"])
        for arguments in [["run", "--json", thumbs], ["plan", "--json", thumbs]] {
            let result = try CommandLineTests.run(arguments)
            #expect(result.status == 1, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("nowhere/*.png: no file matches this pattern"))
            let objects = Self.objects(result.stdout)
            let input = objects.first { $0["event"] as? String == "input" }
            #expect(input?["pattern"] as? String == "nowhere/*.png")
            #expect(((input?["problems"] as? [[String: Any]])?.first?["kind"]) as? String == "unreadable")
            #expect(objects.last?["exit"] as? Int == 1)
            collect(objects)
        }
        #expect(seen == (try Self.documentedFields()), "the README's JSON table and what the commands write differ")
    }

    /// Redirected standard error: a plain line per item and stage with N/total and credits, no carriage
    /// return; the summary on standard output.
    @Test(.timeLimit(.minutes(3))) func plainLinesPerStepWhenRedirected() throws {
        let (simulator, base) = try CommandLineTests.startSimulator(["--latency", "0.05"])
        defer { simulator.terminate() }
        let (_, file) = try RunCommandTests.pipeline(items: 2, concurrency: 1)
        let run = try RunCommandTests.run(file, base)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stderr.contains("\r") && !run.stdout.contains("\r"))
        #expect(run.stderr.contains("item 1: aspect → pending (ratio 1:1) [0/2 done, 0 credits]"))
        #expect(run.stderr.contains("item 1: generate → submitted (task "))
        #expect(run.stderr.contains("item 2: generate → submitted (task ") && run.stderr.contains("[1/2 done, 16 credits]"))
        #expect(run.stderr.contains("item 2: thumbnail → done [1/2 done, 16 credits]"))
        #expect(run.stdout.hasPrefix("2 of 2 done, 16 credits committed in this run\n"))

        let (_, thumbs) = try Self.thumbnails([Self.root + "/samples/"])
        let local = try CommandLineTests.run(["run", thumbs])
        #expect(local.status == 0, "\(local.stderr)")
        #expect(!local.stderr.contains("\r"))
        for line in ["mug-phone: check → pending (JPEG 900×1200)", "mug-phone: done → done", "mug-phone: thumbnail → done"] {
            #expect(local.stderr.contains(line), "\(line) missing from \(local.stderr)")
        }
    }

    /// Under a pseudo-terminal 50 columns wide: the status line is drawn, redrawn in place, and never
    /// wider than the terminal, naming the latest item and step in the room left; the per-item lines are
    /// still printed above it.
    @Test(.timeLimit(.minutes(3))) func statusLineFitsANarrowTerminal() throws {
        let (simulator, base) = try CommandLineTests.startSimulator(["--latency", "1.5"])
        defer { simulator.terminate() }
        let (_, file) = try RunCommandTests.pipeline(items: 3, concurrency: 2)
        let result = try ConventionsTests.runOnTerminal(["run", file, "--backend", "vicsee", "--base-url", base], columns: 50,
                                                        environment: ["VICSEE_API_KEY": "sk-simulator-demo"])
        #expect(result.status == 0, "\(result.terminal)")
        let terminal = result.terminal
        #expect(result.redirected.hasPrefix("3 of 3 done"))
        // Lines end in \r\n on a terminal; the status line is drawn after "\r\e[K" and erased the same way.
        var status: [String] = []
        var lines: [String] = []
        // (Swift counts "\r\n" as one character: the terminal's line ends are made plain first.)
        let chunks = terminal.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n")
        for (index, chunk) in chunks.enumerated() {
            let pieces = chunk.components(separatedBy: "\r\u{1B}[K")
            let ended = index < chunks.count - 1
            status += (ended ? pieces.dropLast() : pieces[...]).filter { !$0.isEmpty }
            if ended { lines.append(pieces.last!) }
        }
        #expect(!status.isEmpty, "no status line in \(terminal.debugDescription)")
        #expect(status.contains { $0.hasPrefix("0/3") } && status.contains { $0.hasPrefix("3/3") || $0.hasPrefix("2/3") })
        #expect(status.contains { $0.contains(" · item ") }, "no latest item in \(status)")
        for line in status {
            #expect(line.count < 50, "a status line of \(line.count) columns in a 50-column terminal: \(line)")
            #expect(!line.contains("\r") && !line.contains("\u{1B}"))
        }
        #expect(lines.contains { $0.hasPrefix("item 1: generate → submitted (task ") })
        #expect(lines.contains { $0.hasPrefix("item 3: thumbnail → done") })
    }

    /// `-q`: only the summary (and errors); `-j` and `-o` as in the other commands; a pattern that matches
    /// nothing is an error named by its pattern, exit 1, in run as in plan.
    @Test(.timeLimit(.minutes(2))) func quietShortOptionsAndPatternsThatMatchNothing() throws {
        let (directory, thumbs) = try Self.thumbnails([Self.root + "/samples/"])
        let quiet = try CommandLineTests.run(["run", "-q", "-j", "1", "-o", directory + "/elsewhere", thumbs])
        #expect(quiet.status == 0, "\(quiet.stderr)")
        #expect(quiet.stderr == "")
        #expect(quiet.stdout == "5 of 5 done, 0 credits committed in this run\nreport: \(directory)/elsewhere/report.json\nreview sheet: \(directory)/elsewhere/index.html\n")
        #expect(FileManager.default.fileExists(atPath: directory + "/elsewhere/thumbs/mug-phone.jpg"))
        let planQuiet = try CommandLineTests.run(["plan", "-q", "-o", directory + "/elsewhere", thumbs])
        #expect(planQuiet.status == 0 && planQuiet.stderr == "")
        #expect(planQuiet.stdout == "total: 0 credits (about $0.000)\n")

        let (_, nothing) = try Self.thumbnails(["nowhere/*.jpg"])
        for arguments in [["run", nothing], ["run", "-q", nothing], ["plan", nothing]] {
            let result = try CommandLineTests.run(arguments)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stderr.contains("nowhere/*.jpg: no file matches this pattern"), "\(arguments): \(result.stderr)")
        }
        let run = try CommandLineTests.run(["run", "-q", nothing])
        #expect(run.stdout.hasPrefix("0 of 0 done, 0 credits committed in this run\n  nowhere/*.jpg: no file matches this pattern\n"))
    }

    /// The examples of `run --help` and `plan --help` name pipeline files that exist.
    @Test func helpExamplesNameRealPipelines() throws {
        for command in ["run", "plan"] {
            let help = try CommandLineTests.run([command, "--help"])
            #expect(help.status == 0)
            let examples = help.stdout.components(separatedBy: "imagepipe \(command) ").dropFirst()
            let files = examples.compactMap { $0.split(whereSeparator: \.isWhitespace).first { $0.hasPrefix("pipelines/") } }
            #expect(files.count >= 3, "\(command) --help: \(help.stdout)")
            for file in files {
                #expect(FileManager.default.fileExists(atPath: Self.root + "/" + file), "\(command) --help names \(file), which does not exist")
            }
        }
    }
}

