import Foundation
import ImageCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 9 and 14 as a user meets them: the built binary, its stdout, stderr and exit code.
@Suite struct RobustnessCommandLineTests {
    typealias CLI = CommandLineTests

    // MARK: The API key (item 3)

    @Test func aKeyWithALineBreakIsRefusedUpFrontWithoutShowingIt() throws {
        for command in [["generate", "--backend", "vicsee", "--model", "gpt-image-2-text-to-image", "--prompt", "x"],
                        ["run", try textPipeline(), "--backend", "vicsee"],
                        ["upscale", "--backend", "vicsee", "--factor", "2", "/nonexistent/shot.png"]] {
            let result = try CLI.run(command, environment: ["VICSEE_API_KEY": "sk-secret-4242\r\n"])
            #expect(result.status == 2, "\(command[0]): \(result.stderr)")
            #expect(result.stderr.contains("VICSEE_API_KEY: the key has a line break (CR or LF) at character 15 of 16"))
            #expect(!result.stderr.contains("secret-4242") && !result.stdout.contains("secret-4242"))
            #expect(!result.stderr.contains("may exist and be charged"))
        }
        let empty = try CLI.run(["generate", "--backend", "vicsee", "--model", "gpt-image-2-text-to-image", "--prompt", "x"],
                                environment: ["VICSEE_API_KEY": ""])
        #expect(empty.status == 2 && empty.stderr.contains("VICSEE_API_KEY: set but empty"))
    }

    // MARK: Not sent (item 5)

    @Test func anUnreachableServiceIsReportedAsNotSent() throws {
        let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(server, $0, length) == 0 && getsockname(server, $0, &length) == 0 }
        }
        let port = Int(UInt16(bigEndian: address.sin_port))
        // Port 0, read back, and kept bound without listening: connections are refused, and no other test
        // can take the port while this one runs.
        defer { close(server) }
        let result = try CLI.run(["generate", "--backend", "vicsee", "--base-url", "http://127.0.0.1:\(port)/api/v1",
                                  "--model", "gpt-image-2-text-to-image", "--prompt", "a mug"],
                                 environment: ["VICSEE_API_KEY": "sk-simulator-demo"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("the submit was not sent (cannot connect to 127.0.0.1:\(port)"))
        #expect(result.stderr.contains("nothing was charged"))
    }

    // MARK: Truncation (item 6)

    @Test func checkFailsAJPEGCutAndClosedWithAnEndMarker() throws {
        let directory = try CLI.workspace()
        var generator = SystemRandomNumberGenerator()
        let noise = PixelBuffer(width: 200, height: 150, layout: .rgb, pixels: (0..<90_000).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let whole = try ImageEncoder.encode(noise, as: .jpeg)
        let path = directory + "/cut.jpg"
        _ = FileManager.default.createFile(atPath: path, contents: Data(whole[0..<whole.count * 2 / 5] + [0xFF, 0xD9]))
        let result = try CLI.run(["check", path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(path): truncated JPEG data (Corrupt JPEG data: premature end of data segment)"))
    }

    // MARK: Memory (item 8)

    /// 214 bytes that declare 65500×1525 (arithmetic-coded, one flat colour: `cjpeg -arithmetic` of a flat
    /// PPM). Before, `check` held the whole 300 MB picture; now it decodes rows into a band and drops them.
    static let hostileJPEG = Data(base64Encoded: """
        /9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/\
        2wBDAQkJCQwLDBgNDRgyIRwhMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjL/yQARCAX1/9wDASIAAhEBAxEB/8wACgAQ\
        EAUBEBEF/9oADAMBAAIRAxEAPwDP4XtcBZRTwrD/2Q==
        """)!

    @Test func checkHoldsRowsNotTheHostilePicture() throws {
        let path = try CLI.workspace() + "/wide.jpg"
        _ = FileManager.default.createFile(atPath: path, contents: Self.hostileJPEG)
        let (status, kilobytes) = try Self.peakResidentKilobytes(["check", path])
        #expect(status == 0)
        // The picture alone would be 65500 × 1525 × 3 = 300 MB.
        #expect(kilobytes < 120_000, "check peaked at \(kilobytes) kB")
    }

    /// Runs the binary (output discarded) under a small Python parent and reads its peak resident memory
    /// (RUSAGE_CHILDREN). Not through this process's own wait4: Linux carries the parent's memory
    /// high-water mark over a vfork and exec into the child's, so a child of the test process, large while
    /// other tests run, reported the test process's peak.
    static func peakResidentKilobytes(_ arguments: [String]) throws -> (status: Int32, kilobytes: Int) {
        let script = """
            import resource, subprocess, sys
            status = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
            print(status, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, CLI.binary] + arguments
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let fields = text.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        guard process.terminationStatus == 0, fields.count == 2 else { throw POSIXError(.ECHILD) }
        return (Int32(fields[0]), fields[1])
    }

    // MARK: Paths (item 8, issue 14)

    /// Thousands of paths, options between them and a `--`: every path once, in the order typed.
    @Test func manyPathsComeOutInTheirOrder() throws {
        let directory = try CLI.workspace()
        let names = (0..<3000).map { "\(directory)/missing-\(2999 - $0).jpg" }
        let arguments = ["probe", "--json"] + names[..<1000] + ["--max-bytes", "1000"] + names[1000..<2000] + ["--", "--odd.jpg"] + names[2000...]
        let result = try CLI.run(Array(arguments))
        #expect(result.status == 1)
        let reported = result.stdout.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["path"] as? String
        }
        #expect(reported == Array(names[..<2000]) + ["--odd.jpg"] + Array(names[2000...]))
        // A path that is also an option's value, and one named twice, are still taken as typed.
        let twice = try CLI.run(["probe", directory + "/good.jpg", "--max-bytes", "1000000", directory + "/good.jpg", directory + "/good.png"])
        #expect(twice.stdout.split(separator: "\n").map { $0.split(separator: ":")[0] }
            == [Substring(directory + "/good.jpg"), Substring(directory + "/good.jpg"), Substring(directory + "/good.png")])
    }

    @Test func doubleStarAndSymbolicLinkLoops() throws {
        let root = try CLI.workspace()
        for directory in ["nest/a/b", "loop/sub"] {
            try FileManager.default.createDirectory(atPath: root + "/" + directory, withIntermediateDirectories: true)
        }
        for file in ["nest/x.jpg", "nest/a/b/x.jpg", "loop/p.jpg", "loop/sub/q.jpg"] {
            try FileManager.default.copyItem(atPath: root + "/good.jpg", toPath: root + "/" + file)
        }
        try FileManager.default.createSymbolicLink(atPath: root + "/loop/up", withDestinationPath: "..")
        try FileManager.default.createSymbolicLink(atPath: root + "/loop/again.jpg", withDestinationPath: "p.jpg")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["probe", "nest/**/*.jpg"]
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(text.split(separator: "\n").map { $0.split(separator: ":")[0] } == ["nest/a/b/x.jpg", "nest/x.jpg"])

        let walked = try CLI.run(["probe", root + "/loop"])
        let paths = walked.stdout.split(separator: "\n").map { String($0.split(separator: ":")[0]) }
        // Each real file once: the loop's own two, and through up/ the workspace's files (good.jpg,
        // good.png, good.webp, cut.jpg, ...), but nothing twice and no endless loop.
        #expect(paths.contains(root + "/loop/p.jpg") && paths.contains(root + "/loop/sub/q.jpg"))
        #expect(!paths.contains(root + "/loop/again.jpg"))
        #expect(paths.filter { $0.hasPrefix(root + "/loop/up/") }.allSatisfy { !$0.contains("/loop/up/loop") })
        #expect(Set(paths).count == paths.count)
    }

    /// A text-to-image pipeline (for commands that need one).
    func textPipeline() throws -> String {
        let directory = try CLI.workspace()
        let path = directory + "/text.pipe"
        try """
            pipeline text
            items "red mug"
            generate model gpt-image-2-text-to-image prompt "a {name}"
            output \(directory)/out
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
