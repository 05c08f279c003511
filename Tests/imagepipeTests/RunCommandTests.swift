import Foundation
import Testing

/// `imagepipe run` as a user meets it when things go wrong: killed, interrupted, run twice at once, out of
/// disk. The simulator runs in its own process (it outlives every kill) and its counters prove that
/// nothing was charged twice.
@Suite(.serialized) struct RunCommandTests {
    /// A process of the built binary that the test can signal while it runs.
    final class Running: @unchecked Sendable {
        let process = Process()
        let stdout: String
        let stderr: String

        init(_ arguments: [String], environment: [String: String] = [:], in directory: String? = nil) throws {
            let base = NSTemporaryDirectory() + "imagepipe-out-" + UUID().uuidString
            (stdout, stderr) = (base + ".out", base + ".err")
            FileManager.default.createFile(atPath: stdout, contents: nil)
            FileManager.default.createFile(atPath: stderr, contents: nil)
            process.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
            process.arguments = arguments
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
            process.standardOutput = FileHandle(forWritingAtPath: stdout)
            process.standardError = FileHandle(forWritingAtPath: stderr)
            try process.run()
        }

        func signal(_ number: Int32) { kill(process.processIdentifier, number) }

        func finish() -> CommandLineTests.Result {
            process.waitUntilExit()
            return CommandLineTests.Result(status: process.terminationStatus,
                                           stdout: (try? String(contentsOfFile: stdout, encoding: .utf8)) ?? "",
                                           stderr: (try? String(contentsOfFile: stderr, encoding: .utf8)) ?? "")
        }
    }

    static func counters(_ base: String) throws -> [String: Int] {
        let url = URL(string: base.replacingOccurrences(of: "/api/v1", with: "/_simulator/counters"))!
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Int])
    }

    static func waitFor(_ seconds: Double = 30, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while try !condition() {
            guard Date() < deadline else { Issue.record("timed out waiting"); return }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// A folder with a text-to-image pipeline of `items` items writing to `out/`.
    static func pipeline(items: Int, concurrency: Int = 1) throws -> (directory: String, file: String) {
        let directory = NSTemporaryDirectory() + "imagepipe-run-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let names = (1...items).map { "\"item \($0)\"" }.joined(separator: " ")
        try """
            pipeline crash
            items \(names)
            generate model gpt-image-2-text-to-image prompt "a {name} on white" aspect 1:1 concurrency \(concurrency)
            verify
            thumbnail size 32
            output \(directory)/out
            """.write(toFile: directory + "/run.pipe", atomically: true, encoding: .utf8)
        return (directory, directory + "/run.pipe")
    }

    static let key = ["VICSEE_API_KEY": "sk-simulator-demo"]

    /// A shell command's status and output.
    static func shell(_ command: String) throws -> CommandLineTests.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandLineTests.Result(status: process.terminationStatus, stdout: "", stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func run(_ file: String, _ base: String, _ extra: [String] = [], environment: [String: String] = [:]) throws -> CommandLineTests.Result {
        try CommandLineTests.run(["run", file, "--backend", "vicsee", "--base-url", base] + extra, environment: key.merging(environment) { $1 })
    }

    /// SIGKILL right after each journal commit in turn — the intent of a submit included — and started
    /// again until it finishes: every item ends done, and exactly one task per item was made and charged.
    @Test(.timeLimit(.minutes(5))) func killedAfterEveryJournalWriteItResumesWithoutPayingAgain() throws {
        let (simulator, base) = try CommandLineTests.startSimulator(["--latency", "0.05", "--credits", "100000"])
        defer { simulator.terminate() }
        let (_, file) = try Self.pipeline(items: 4)
        var kills = 0
        var finished = false
        for attempt in 0..<80 where !finished {
            // A kill right after a submit's intent is committed comes before the submit is sent, so sending
            // it again (--resubmit-unknown) cannot charge twice here.
            let result = try Self.run(file, base, ["--resubmit-unknown"], environment: ["IMAGEPIPE_CRASH_AFTER_WRITES": String(1 + attempt % 4)])
            if result.status == 0 {
                finished = true
            } else {
                #expect(result.status == 9, "a run ended with \(result.status) rather than being killed: \(result.stderr)")
                kills += 1
            }
        }
        #expect(finished)
        #expect(kills >= 5)
        let final = try Self.run(file, base)
        #expect(final.status == 0)
        #expect(final.stdout.contains("4 of 4 done, 0 credits committed in this run"))
        let counters = try Self.counters(base)
        #expect(counters["submits"] == 4 && counters["charges"] == 4 && counters["refunds"] == 0)
    }

    /// Killed while the service holds a submit's answer: the task exists and is charged, but the client
    /// never learnt its id. It is reported as unknown and not sent again — until the user says so.
    @Test(.timeLimit(.minutes(2))) func killedInsideTheSubmitWindowItIsUnknownUntilTheUserSays() throws {
        let (simulator, base) = try CommandLineTests.startSimulator(["--latency", "0.05", "--hold-submits", "3"])
        defer { simulator.terminate() }
        let (_, file) = try Self.pipeline(items: 1)
        let running = try Running(["run", file, "--backend", "vicsee", "--base-url", base], environment: Self.key)
        try Self.waitFor { try Self.counters(base)["submits"] == 1 }
        running.signal(SIGKILL)
        #expect(running.finish().status == 9)
        let again = try Self.run(file, base)
        #expect(again.status == 1)
        #expect(again.stdout.contains("item 1: unknown — item 1: the submit's outcome is unknown"))
        #expect(again.stdout.contains("--resubmit-unknown"))
        #expect(try Self.counters(base)["submits"] == 1)
        let resent = try Self.run(file, base, ["--resubmit-unknown"])
        #expect(resent.status == 0, "\(resent.stderr)")
        #expect(try Self.counters(base)["submits"] == 2)
        #expect(try Self.run(file, base).status == 0)
        #expect(try Self.counters(base)["submits"] == 2)
    }

    /// The first Ctrl-C lets a submit in flight finish and its task id reach the journal; the next run
    /// polls that task instead of paying again.
    @Test(.timeLimit(.minutes(2))) func ctrlCLetsASubmitInFlightBeRecorded() throws {
        let (simulator, base) = try CommandLineTests.startSimulator(["--latency", "0.05", "--hold-submits", "2"])
        defer { simulator.terminate() }
        let (_, file) = try Self.pipeline(items: 3)
        let running = try Running(["run", file, "--backend", "vicsee", "--base-url", base], environment: Self.key)
        try Self.waitFor { try Self.counters(base)["submits"] == 1 }
        running.signal(SIGINT)
        let result = running.finish()
        #expect(result.status == 130)
        #expect(result.stderr.contains("run again to resume"))
        #expect(result.stdout.contains("item 1: submitted"))
        #expect(try Self.counters(base)["submits"] == 1)
        let resumed = try Self.run(file, base)
        #expect(resumed.status == 0)
        #expect(try Self.counters(base)["submits"] == 3)
    }

    /// A second Ctrl-C exits at once; the submit left in flight is unknown on the next run, never lost.
    @Test(.timeLimit(.minutes(2))) func aSecondCtrlCExitsAtOnce() throws {
        let (simulator, base) = try CommandLineTests.startSimulator(["--latency", "0.05", "--hold-submits", "20"])
        defer { simulator.terminate() }
        let (_, file) = try Self.pipeline(items: 1)
        let running = try Running(["run", file, "--backend", "vicsee", "--base-url", base], environment: Self.key)
        try Self.waitFor { try Self.counters(base)["submits"] == 1 }
        let started = Date()
        running.signal(SIGINT)
        Thread.sleep(forTimeInterval: 0.3)
        running.signal(SIGINT)
        #expect(running.finish().status == 130)
        #expect(Date().timeIntervalSince(started) < 10)
        let again = try Self.run(file, base)
        #expect(again.stdout.contains("item 1: unknown"))
    }

    /// Ctrl-C on the default backend, then run again: the embedded simulator kept its tasks in the output
    /// folder, so the second run polls them — no failure, no second charge.
    @Test(.timeLimit(.minutes(3))) func ctrlCThenRunAgainOnTheDefaultBackend() throws {
        let (directory, file) = try Self.pipeline(items: 4, concurrency: 2)
        let log = directory + "/out/.simulator/events.jsonl"
        func created() -> Int { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").components(separatedBy: "\"created\"").count - 1 }
        let running = try Running(["run", file])
        try Self.waitFor { created() >= 1 }
        running.signal(SIGINT)
        let first = running.finish()
        #expect(first.status == 130, "\(first.stderr)")
        let submitted = created()
        let second = try CommandLineTests.run(["run", file])
        #expect(second.status == 0, "\(second.stdout)\n\(second.stderr)")
        #expect(second.stdout.contains("4 of 4 done"))
        #expect(!second.stderr.contains("TASK_NOT_FOUND") && !second.stdout.contains("lost"))
        #expect(created() == 4 && submitted >= 1)
    }

    /// Two runs on one output folder: the second is refused at once, nothing is sent twice.
    @Test(.timeLimit(.minutes(2))) func aSecondRunOnTheSameFolderIsRefused() throws {
        let (simulator, base) = try CommandLineTests.startSimulator(["--latency", "0.05", "--hold-submits", "1"])
        defer { simulator.terminate() }
        let (directory, file) = try Self.pipeline(items: 2)
        let first = try Running(["run", file, "--backend", "vicsee", "--base-url", base], environment: Self.key)
        try Self.waitFor { try Self.counters(base)["submits"] == 1 }
        let second = try Self.run(file, base)
        #expect(second.status == 1)
        #expect(second.stderr.contains("\(directory)/out: in use by another imagepipe run (pid \(first.process.processIdentifier), since "))
        #expect(first.finish().status == 0)
        #expect(try Self.counters(base)["submits"] == 2)
    }

    /// The disk fills between a submit and the journal write of its task id: nothing more is sent, the id
    /// is printed with the flag that hands it to the next run, exit 3; that run downloads it, unpaid.
    @Test(.timeLimit(.minutes(3))) func aFullDiskStopsSubmittingAndPrintsTheTaskIDs() throws {
        let (simulator, base) = try CommandLineTests.startSimulator(["--latency", "0.05", "--hold-submits", "2"])
        defer { simulator.terminate() }
        let (directory, file) = try Self.pipeline(items: 3)
        let disk = directory + "/out"
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        let mount = try Self.shell("mount -t tmpfs -o size=4m tmpfs '\(disk)'")
        try #require(mount.status == 0, "this test needs to mount a small tmpfs (root): \(mount.stderr)")
        defer { _ = try? Self.shell("umount '\(disk)'") }
        let low = try Self.run(file, base)
        #expect(low.status == 1 && low.stderr.contains("MB free; a run needs at least 50 MB"))
        let running = try Running(["run", file, "--backend", "vicsee", "--base-url", base, "--min-free", "1"], environment: Self.key)
        try Self.waitFor { try Self.counters(base)["submits"] == 1 }
        _ = try Self.shell("cat /dev/zero > '\(disk)/filler' 2>/dev/null; true")
        let full = running.finish()
        #expect(full.status == 3, "\(full.stdout)\n\(full.stderr)")
        #expect(full.stderr.contains("no further submit was sent"))
        #expect(try Self.counters(base)["submits"] == 1)
        let adopt = try #require(full.stderr.split(separator: "\n").first { $0.contains("--adopt") })
        let flag = try #require(adopt.range(of: "--adopt '")).upperBound
        let pair = String(adopt[flag...].prefix { $0 != "'" })
        #expect(pair.hasPrefix("item 1=task_"))
        try FileManager.default.removeItem(atPath: disk + "/filler")
        let resumed = try Self.run(file, base, ["--min-free", "1", "--adopt", pair])
        #expect(resumed.status == 0, "\(resumed.stdout)\n\(resumed.stderr)")
        #expect(try Self.counters(base)["submits"] == 3)
        #expect(try Self.counters(base)["charges"] == 3)
    }

    @Test func stepsDescribeTheLanguage() throws {
        let all = try CommandLineTests.run(["steps"])
        #expect(all.status == 0 && all.stdout.contains("generate: One generation per item"))
        #expect(all.stdout.contains("resolution 1K|2K|4K") && all.stdout.contains("(default: 1K)"))
        let one = try CommandLineTests.run(["steps", "aspect"])
        #expect(one.stdout.hasPrefix("aspect: ") && !one.stdout.contains("generate:"))
        let unknown = try CommandLineTests.run(["steps", "generat"])
        #expect(unknown.status == 2 && unknown.stderr.contains("unknown step 'generat'"))
    }

    @Test func everyMistakeOfAPipelineFileIsPrinted() throws {
        let directory = NSTemporaryDirectory() + "imagepipe-bad-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "items a\ngenerate model gpt-image-2-text-to-imag prompt x\nthumbnail size -1\n".write(toFile: directory + "/bad.pipe", atomically: true, encoding: .utf8)
        let result = try CommandLineTests.run(["plan", directory + "/bad.pipe"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("bad.pipe:2:16: error: unknown model 'gpt-image-2-text-to-imag'"))
        #expect(result.stderr.contains("bad.pipe:3:16: error: expected a positive integer for size but received '-1'"))
        #expect(result.stderr.hasSuffix("2 errors\n"))
    }
}
