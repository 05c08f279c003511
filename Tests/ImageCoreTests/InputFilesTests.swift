import Foundation
import Testing
@testable import ImageCore

/// What a user types, turned into files: `**` in patterns, and walks through symbolic links that visit
/// each real file once (issue 14).
@Suite struct InputFilesTests {
    /// nest/x.jpg, nest/a/b/x.jpg, nest/a/b/c/deep.png, nest/a/notes.txt, nest/.hidden/h.jpg
    func nest() throws -> String {
        let root = try Fixtures.temporaryDirectory()
        for directory in ["nest/a/b/c", "nest/.hidden"] {
            try FileManager.default.createDirectory(atPath: root + "/" + directory, withIntermediateDirectories: true)
        }
        for file in ["nest/x.jpg", "nest/a/b/x.jpg", "nest/a/b/c/deep.png", "nest/a/notes.txt", "nest/.hidden/h.jpg"] {
            _ = FileManager.default.createFile(atPath: root + "/" + file, contents: Data(file.utf8))
        }
        return root
    }

    @Test func doubleStarMatchesAnyNumberOfDirectories() throws {
        let root = try nest()
        func expand(_ pattern: String) -> [String] {
            InputFiles.expand(root + "/" + pattern).files.map { String($0.dropFirst(root.count + 1)) }
        }
        #expect(expand("nest/**/*.jpg") == ["nest/a/b/x.jpg", "nest/x.jpg"])
        #expect(expand("nest/**/*.png") == ["nest/a/b/c/deep.png"])
        #expect(expand("nest/**/b/*") == ["nest/a/b/x.jpg"])
        #expect(expand("nest/a/**") == ["nest/a/b/c/deep.png", "nest/a/b/x.jpg", "nest/a/notes.txt"])
        #expect(expand("nest/*/b/x.jpg") == ["nest/a/b/x.jpg"])
        #expect(expand("nest/.hidden/*.jpg") == ["nest/.hidden/h.jpg"])
        #expect(InputFiles.expand(root + "/nest/**/*.gif").problem == "no file matches this pattern")
    }

    /// loop/up -> .. and loop/self -> . are cycles; link.jpg -> p.jpg is the same file as p.jpg.
    @Test func walksVisitEachRealFileOnce() throws {
        let root = try Fixtures.temporaryDirectory()
        let loop = root + "/loop"
        try FileManager.default.createDirectory(atPath: loop + "/sub", withIntermediateDirectories: true)
        for file in ["loop/p.jpg", "loop/sub/q.png", "outside.webp"] {
            _ = FileManager.default.createFile(atPath: root + "/" + file, contents: Data(file.utf8))
        }
        try FileManager.default.createSymbolicLink(atPath: loop + "/up", withDestinationPath: "..")
        try FileManager.default.createSymbolicLink(atPath: loop + "/self", withDestinationPath: ".")
        try FileManager.default.createSymbolicLink(atPath: loop + "/link.jpg", withDestinationPath: "p.jpg")
        try FileManager.default.createSymbolicLink(atPath: loop + "/sub/back", withDestinationPath: "../../loop")
        try FileManager.default.createSymbolicLink(atPath: loop + "/dangling.jpg", withDestinationPath: "nowhere.jpg")
        let files = InputFiles.expand(loop).files
        #expect(files == [loop + "/p.jpg", loop + "/sub/q.png", loop + "/up/outside.webp"])
        // A pattern through the same links stops at the cycles too.
        #expect(InputFiles.expand(loop + "/**/*.jpg").files == [loop + "/p.jpg"])
    }

    /// A link to a file is followed when nothing else reaches the file.
    @Test func aLinkToAFileElsewhereIsFollowed() throws {
        let root = try Fixtures.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: root + "/album", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: root + "/elsewhere.jpg", contents: Data("x".utf8))
        try FileManager.default.createSymbolicLink(atPath: root + "/album/photo.jpg", withDestinationPath: "../elsewhere.jpg")
        #expect(InputFiles.expand(root + "/album").files == [root + "/album/photo.jpg"])
    }

    /// Explicit paths are taken as typed, in order, one stat each.
    @Test func explicitPathsKeepTheirOrder() {
        let paths = (0..<5000).map { "missing-\(4999 - $0).jpg" }
        #expect(InputFiles.expand(paths).flatMap(\.files) == paths)
    }
}
