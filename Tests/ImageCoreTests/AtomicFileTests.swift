import Foundation
import Testing
@testable import ImageCore

@Suite struct AtomicFileTests {
    @Test func writesTheWholeFileAndNoTemporary() throws {
        let directory = try Fixtures.temporaryDirectory()
        try ImageEncoder.write(Fixtures.picture(), to: directory + "/out.png")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["out.png"])
        #expect(try ImageDecoder.decode(path: directory + "/out.png").pixels == Fixtures.picture())
    }

    @Test func aFailedWriteLeavesNothingAndKeepsTheOldFile() throws {
        let directory = try Fixtures.temporaryDirectory()
        // The target is a non-empty directory, so the final rename fails after the bytes are written.
        try FileManager.default.createDirectory(atPath: directory + "/out.png/inside", withIntermediateDirectories: true)
        #expect(throws: EncodeError.self) { try ImageEncoder.write(Fixtures.picture(), to: directory + "/out.png") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["out.png"])
        #expect(throws: EncodeError.writeFailed(path: directory + "/nowhere/out.png", detail: "No such file or directory")) {
            try ImageEncoder.write(Fixtures.picture(), to: directory + "/nowhere/out.png")
        }
    }

    @Test func unknownExtensionIsRefused() throws {
        #expect(throws: EncodeError.unsupportedExtension(path: "x.gif", fileExtension: "gif")) {
            try ImageEncoder.write(Fixtures.picture(), to: "x.gif")
        }
    }
}
