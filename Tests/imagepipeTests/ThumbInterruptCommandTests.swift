import Foundation
import ImageCore
import Testing

/// Ctrl-C during a `thumb` batch, as a user meets it: the files in flight finish, no further file starts,
/// nothing half-written is left, exit 130; the same command again makes only what is missing.
@Suite struct ThumbInterruptCommandTests {
    @Test(.timeLimit(.minutes(3))) func ctrlCStopsTheBatchCleanlyAndRunningAgainFinishesIt() throws {
        let root = NSTemporaryDirectory() + "imagepipe-interrupt-" + UUID().uuidString
        let out = root + "/thumbs"
        try FileManager.default.createDirectory(atPath: root + "/in", withIntermediateDirectories: true)
        let (width, height) = (800, 600)
        let picture = PixelBuffer(width: width, height: height, layout: .rgb,
                                  pixels: (0..<(width * height * 3)).map { UInt8(truncatingIfNeeded: $0 &* 7919 >> 5) })
        try ImageEncoder.write(picture, to: root + "/picture.png")
        let count = 300
        for index in 1...count {
            // Copies, not links: a walk takes a file reached twice once.
            try FileManager.default.copyItem(atPath: root + "/picture.png", toPath: root + "/in/\(index).png")
        }
        let arguments = ["thumb", "--jobs", "2", "-s", "32", "-o", out, root + "/in"]
        let running = try RunCommandTests.Running(arguments)
        try RunCommandTests.waitFor { !ThumbNamingCommandTests.files(under: out).isEmpty }
        running.signal(SIGINT)
        let interrupted = running.finish()
        #expect(interrupted.status == 130, "\(interrupted.stderr)")
        #expect(interrupted.stderr.contains("interrupted,") && interrupted.stderr.contains("not started"), "\(interrupted.stderr)")

        let written = ThumbNamingCommandTests.files(under: out)
        #expect(written.count < count, "the batch ran to its end before the interrupt")
        #expect(written.allSatisfy { !$0.hasPrefix(".") }, "temporary files left: \(written)")
        for name in written {
            let thumbnail = try ImageDecoder.decode(path: out + "/" + name, options: DecodeOptions(failOn: .warning))
            #expect(thumbnail.pixels.width == 32 && thumbnail.pixels.height == 24, "\(name)")
        }

        let again = try CommandLineTests.run(arguments)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("\(count - written.count) of \(count) thumbnails"), "\(again.stderr)")
        #expect(again.stderr.contains("\(written.count) skipped, already there"), "\(again.stderr)")
        #expect(ThumbNamingCommandTests.files(under: out).count == count)
    }
}
