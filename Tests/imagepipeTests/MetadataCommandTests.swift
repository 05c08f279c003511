import Foundation
import ImageCore
import Testing

/// `convert`/`thumb` metadata and colour options and `probe`'s metadata fields, run as a user would and
/// checked with exiftool.
@Suite struct MetadataCommandTests {
    static let exiftool = "/usr/bin/exiftool"
    static var hasExiftool: Bool { FileManager.default.isExecutableFile(atPath: exiftool) }

    static func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cli-meta-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// exiftool's standard output for `arguments`.
    static func runExiftool(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: exiftool)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    static func tags(_ file: String) throws -> [String: String] {
        let result = try Self.runExiftool(["-j", "-G1", "-n", file])
        guard let array = try JSONSerialization.jsonObject(with: Data(result.utf8)) as? [[String: Any]], let tags = array.first
        else { return [:] }
        return tags.mapValues { "\($0)" }
    }

    /// A 300×200 JPEG tagged by exiftool with an artist (EXIF), a creator (XMP) and a by-line (IPTC).
    static func tagged(in directory: String) throws -> String {
        let file = directory + "/tagged.jpg"
        var pixels = [UInt8]()
        for y in 0..<200 { for x in 0..<300 { pixels += [UInt8(x % 256), UInt8(y), 90] } }
        try ImageEncoder.write(PixelBuffer(width: 300, height: 200, layout: .rgb, pixels: pixels), to: file)
        _ = try Self.runExiftool(["-q", "-overwrite_original", "-EXIF:Artist=Ada", "-XMP-dc:Creator=Ada",
                                                    "-IPTC:By-line=Ada", "-EXIF:Orientation#=6", file])
        return file
    }

    @Test(.enabled(if: hasExiftool, "exiftool is not installed: run scripts/test.sh"))
    func convertKeepsOrStripsMetadata() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let input = try Self.tagged(in: directory)

        let kept = try CommandLineTests.run(["convert", input, directory + "/kept.png", "--keep-metadata"])
        #expect(kept.status == 0, "\(kept.stderr)")
        #expect(kept.stdout == "\(directory)/kept.png: 200×300 from \(input)\n")
        let keptTags = try Self.tags(directory + "/kept.png")
        #expect(keptTags["IFD0:Artist"] == "Ada" && keptTags["XMP-dc:Creator"] == "Ada" && keptTags["IPTC:By-line"] == "Ada",
                "\(keptTags)")
        #expect(keptTags["IFD0:Orientation"] == nil)

        let plain = try CommandLineTests.run(["convert", input, directory + "/plain.jpg"])
        #expect(plain.status == 0)
        let plainTags = try Self.tags(directory + "/plain.jpg")
        #expect(plainTags["IFD0:Artist"] == nil && plainTags["XMP-dc:Creator"] == nil && plainTags["IPTC:By-line"] == nil)

        let stripped = try CommandLineTests.run(["convert", input, directory + "/stripped.jpg", "--strip"])
        #expect(stripped.status == 0)
        #expect(try Self.tags(directory + "/stripped.jpg").keys.filter { $0.hasPrefix("IFD0:") || $0.hasPrefix("XMP") || $0.hasPrefix("IPTC") }.isEmpty)

        let both = try CommandLineTests.run(["convert", input, directory + "/x.jpg", "--strip", "--keep-metadata"])
        #expect(both.status == 2)
        #expect(both.stderr.contains("use --keep-metadata or --strip, not both"))
    }

    @Test(.enabled(if: hasExiftool, "exiftool is not installed: run scripts/test.sh"))
    func thumbKeepsMetadataWhenAsked() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let input = try Self.tagged(in: directory)
        let result = try CommandLineTests.run(["thumb", "--size", "64", "--keep-metadata", "--out", directory + "/t", input])
        #expect(result.status == 0, "\(result.stderr)")
        let tags = try Self.tags(directory + "/t/tagged.jpg")
        #expect(tags["IFD0:Artist"] == "Ada" && tags["IPTC:By-line"] == "Ada" && tags["IFD0:Orientation"] == nil, "\(tags)")
        let plain = try CommandLineTests.run(["thumb", "--size", "64", "--out", directory + "/p", input])
        #expect(plain.status == 0)
        #expect(try Self.tags(directory + "/p/tagged.jpg")["IFD0:Artist"] == nil)
    }

    @Test func probeReportsProvenanceAndC2PA() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/generated.png"
        var pixels = [UInt8](repeating: 200, count: 40 * 30 * 3)
        pixels[0] = 0
        let png = try ImageEncoder.encode(PixelBuffer(width: 40, height: 30, layout: .rgb, pixels: pixels), as: .png)
        try Data(try Provenance.mark(png, as: .trainedAlgorithmicMedia, path: file).bytes).write(to: URL(fileURLWithPath: file))
        let result = try CommandLineTests.run(["probe", "--json", file])
        #expect(result.status == 0)
        #expect(result.stdout.contains(#""c2pa":false"#), "\(result.stdout)")
        #expect(result.stdout.contains(#""digitalSourceType":"trainedAlgorithmicMedia","digitalSourceTypeFrom":"xmp""#), "\(result.stdout)")
        let text = try CommandLineTests.run(["probe", file])
        #expect(text.stdout.contains("XMP, AI: trainedAlgorithmicMedia"), "\(text.stdout)")
    }

    @Test func convertFixesForAPreset() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let input = directory + "/cutout.png"
        var pixels = [UInt8](repeating: 0, count: 600 * 400 * 4)
        for y in 100..<300 { for x in 200..<400 { let i = (y * 600 + x) * 4; pixels[i] = 200; pixels[i + 3] = 255 } }
        try ImageEncoder.write(PixelBuffer(width: 600, height: 400, layout: .rgba, pixels: pixels), to: input)
        let result = try CommandLineTests.run(["convert", input, directory + "/main.jpg", "--fix-for", "amazon-main"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("fixed for amazon-main"))
        #expect(result.stdout.contains("pass background:") && result.stdout.contains("pass fill:") && !result.stdout.contains("FAIL"),
                "\(result.stdout)")
        let unknown = try CommandLineTests.run(["convert", input, directory + "/x.jpg", "--fix-for", "amazon-mian"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("amazon-mian: no such preset") && unknown.stderr.contains("did you mean 'amazon-main'?"))
        let webp = try CommandLineTests.run(["convert", input, directory + "/x.webp", "--fix-for", "amazon-main"])
        #expect(webp.status == 1)
        #expect(webp.stderr.contains("\(directory)/x.webp: amazon-main does not accept WebP"), "\(webp.stderr)")
    }
}
