import Foundation
import ImageCore
import Testing

/// `thumb --name`, `--keep-tree`, `--overwrite` and skip-existing, run as a user would.
@Suite struct ThumbNamingCommandTests {
    /// `root/x.png` (40×30), `root/a/x.png` (20×10) and `root/a/b/y.jpg` (30×30): two files named x.
    static func tree() throws -> String {
        let root = NSTemporaryDirectory() + "imagepipe-tree-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root + "/a/b", withIntermediateDirectories: true)
        func picture(_ width: Int, _ height: Int) -> PixelBuffer {
            PixelBuffer(width: width, height: height, layout: .rgb, pixels: (0..<(width * height * 3)).map { UInt8($0 % 251) })
        }
        try ImageEncoder.write(picture(40, 30), to: root + "/x.png")
        try ImageEncoder.write(picture(20, 10), to: root + "/a/x.png")
        try ImageEncoder.write(picture(30, 30), to: root + "/a/b/y.jpg")
        return root
    }

    static func files(under directory: String) -> [String] {
        (FileManager.default.enumerator(atPath: directory)?.allObjects as? [String] ?? [])
            .filter { !((try? FileManager.default.attributesOfItem(atPath: directory + "/" + $0)[.type] as? FileAttributeType) == .typeDirectory) }
            .sorted()
    }

    @Test func aTemplateNamesEachFileFromItsFolderAndSize() throws {
        let root = try Self.tree()
        let result = try CommandLineTests.run(["thumb", "-s", "16", "-o", root + "/t", "--name", "{dir}-{name}-{width}x{height}", root])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(Self.files(under: root + "/t") == ["-x-16x12.png", "a-x-16x8.png", "a/b-y-16x16.jpg"])
        #expect(result.stdout.contains("\(root)/a/x.png → \(root)/t/a-x-16x8.png  16×8, "), "\(result.stdout)")
        #expect(result.stderr.contains("3 of 3 thumbnails"))
    }

    @Test func anUnknownFieldIsAUsageErrorNamingIt() throws {
        let root = try Self.tree()
        let result = try CommandLineTests.run(["thumb", "-o", root + "/t", "--name", "{nam}-small", root])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("--name {nam}-small: unknown field {nam}; use {name}, {ext}, {dir}, {width}, {height}"),
                "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: root + "/t"))
        let outside = try CommandLineTests.run(["thumb", "-o", root + "/t", "--name", "../{name}", root])
        #expect(outside.status == 2)
        #expect(outside.stderr.contains("names must stay inside --out"))
    }

    /// The tree below each argument's root is mirrored: a folder, or a `**` pattern's fixed part.
    @Test func keepTreeMirrorsEachArgumentsTree() throws {
        let root = try Self.tree()
        let folder = try CommandLineTests.run(["thumb", "-s", "16", "-o", root + "-out/t1", "--keep-tree", root])
        #expect(folder.status == 0, "\(folder.stderr)")
        #expect(Self.files(under: root + "-out/t1") == ["a/b/y.jpg", "a/x.png", "x.png"])
        let pattern = try CommandLineTests.run(["thumb", "-s", "16", "-o", root + "-out/t2", "--keep-tree", root + "/**/*.png"])
        #expect(pattern.status == 0, "\(pattern.stderr)")
        #expect(Self.files(under: root + "-out/t2") == ["a/x.png", "x.png"])
        let nested = try CommandLineTests.run(["thumb", "-s", "16", "-o", root + "-out/t3", "--keep-tree", root + "/a/"])
        #expect(nested.status == 0, "\(nested.stderr)")
        #expect(Self.files(under: root + "-out/t3") == ["b/y.jpg", "x.png"])
    }

    /// Flattened, the two x.png get x.png and x-2.png in input order; neither replaces the other.
    @Test func twoInputsWithTheSameNameNeverOverwriteEachOther() throws {
        let root = try Self.tree()
        let result = try CommandLineTests.run(["thumb", "-s", "16", "--json", "-o", root + "/t", root + "/x.png", root + "/a/x.png"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(Self.files(under: root + "/t") == ["x-2.png", "x.png"])
        #expect(try ImageProbe.probe(path: root + "/t/x.png").height == 12)
        #expect(try ImageProbe.probe(path: root + "/t/x-2.png").height == 8)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.contains { $0.contains("\"input\":\"\(root)/a/x.png\",\"output\":\"\(root)/t/x-2.png\"") })
    }

    /// A second run skips what is there and says so; --overwrite replaces it; a thumbnail never
    /// replaces its own input.
    @Test func existingOutputsAreSkippedUnlessOverwriteIsGiven() throws {
        let root = try Self.tree()
        let arguments = ["thumb", "-s", "16", "-o", root + "/t", root + "/x.png"]
        #expect(try CommandLineTests.run(arguments).status == 0)
        let first = try FileManager.default.attributesOfItem(atPath: root + "/t/x.png")[.systemFileNumber] as? Int
        let again = try CommandLineTests.run(arguments)
        #expect(again.status == 0)
        #expect(again.stdout == "\(root)/x.png → \(root)/t/x.png  skipped: already there\n")
        #expect(again.stderr.contains("0 of 1 thumbnails"))
        #expect(again.stderr.contains("1 skipped, already there (--overwrite replaces them)"))
        #expect(try FileManager.default.attributesOfItem(atPath: root + "/t/x.png")[.systemFileNumber] as? Int == first)
        let replaced = try CommandLineTests.run(arguments + ["--overwrite"])
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(replaced.stdout.contains("16×12"))
        #expect(try FileManager.default.attributesOfItem(atPath: root + "/t/x.png")[.systemFileNumber] as? Int != first)

        let own = try CommandLineTests.run(["thumb", "-s", "16", "--overwrite", "-o", root, root + "/x.png"])
        #expect(own.status == 1)
        #expect(own.stderr.contains("\(root)/x.png: its thumbnail would replace it"))
        #expect(try ImageProbe.probe(path: root + "/x.png").width == 40)
    }

    /// The naming is a pure function of the input, its root, the options and the size.
    @Test func namingIsAPureFunctionOfItsInputs() throws {
        let naming = try ThumbnailNaming(directory: "out/", template: "{name}_{width}", keepTree: true)
        #expect(naming.path(input: "shoots/a/b/p.jpeg", root: "shoots/", format: .webp, width: 200, height: 100)
            == "out/a/b/p_200.webp")
        #expect(naming.path(input: "p.jpg", root: "", format: .jpeg, width: 1, height: 1) == "out/p_1.jpg")
        #expect(throws: ThumbnailNaming.TemplateError.folderTwice(template: "{dir}/{name}")) {
            try ThumbnailNaming(directory: "out", template: "{dir}/{name}", keepTree: true)
        }
        #expect(throws: ThumbnailNaming.TemplateError.unbalancedBrace(template: "{name")) {
            try ThumbnailNaming(directory: "out", template: "{name")
        }
        #expect(ThumbnailNaming.numbered("out/a.b/x.png", 2) == "out/a.b/x-2.png")
        #expect(ThumbnailNaming.numbered("out/a.b/x", 3) == "out/a.b/x-3")
    }
}
