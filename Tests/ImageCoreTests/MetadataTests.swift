import Foundation
import Testing

@testable import ImageCore

/// Metadata read, written, kept and stripped; AI provenance marked; C2PA reported — checked with exiftool.
@Suite struct MetadataTests {
    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("metadata-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A JPEG with an EXIF orientation of 6, then camera, copyright, GPS, XMP and IPTC written by exiftool.
    static func taggedJPEG(in directory: String) throws -> String {
        let file = directory + "/tagged.jpg"
        try Data(try Fixtures.jpegWithOrientation(6, pixels: Fixtures.picture(width: 120, height: 80))).write(to: URL(fileURLWithPath: file))
        let result = try ExternalTools.run(ExternalTools.exiftool, [
            "-q", "-overwrite_original", "-EXIF:Artist=Ada Lovelace", "-EXIF:Copyright=CC0 test",
            "-GPSLatitude=51.5", "-GPSLatitudeRef=N", "-XMP-dc:Creator=Ada Lovelace", "-IPTC:By-line=Ada Lovelace",
            "-IPTC:CopyrightNotice=CC0 test", file])
        try #require(result.status == 0, "exiftool could not tag the fixture: \(result.stderr)")
        return file
    }

    @Test func provenanceIsWrittenIntoEveryFormat() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for format in ImageFormat.allCases {
            let plain = try Fixtures.encoded(format, icc: format == .png ? nil : Fixtures.iccProfile)
            let (bytes, marking) = try Provenance.mark(plain, as: .trainedAlgorithmicMedia, path: "x.\(format.fileExtension)")
            #expect(marking == .added(.trainedAlgorithmicMedia))
            let metadata = try ImageMetadata.read(bytes: bytes, path: "x")
            #expect(metadata.digitalSourceType?.type == .trainedAlgorithmicMedia)
            #expect(try ImageDecoder.decode(bytes: bytes, path: "x").pixels == (try ImageDecoder.decode(bytes: plain, path: "x").pixels),
                    "marking must not touch the pixels of \(format)")
            // Marking twice changes nothing.
            #expect(try Provenance.mark(bytes, as: .trainedAlgorithmicMedia, path: "x").marking == .alreadyMarked(.trainedAlgorithmicMedia))
            if ExternalTools.hasExiftool {
                let file = directory + "/marked.\(format.fileExtension)"
                try Data(bytes).write(to: URL(fileURLWithPath: file))
                let tags = try ExternalTools.exif(file)
                #expect(tags["XMP-iptcExt:DigitalSourceType"] == DigitalSourceType.trainedAlgorithmicMedia.uri, "\(format): \(tags)")
                #expect(tags["ExifTool:Warning"] == nil, "\(format): \(tags["ExifTool:Warning"] ?? "")")
            }
        }
    }

    @Test func editsAreMarkedAsComposites() throws {
        let (bytes, _) = try Provenance.mark(try Fixtures.encoded(.png), as: .compositeWithTrainedAlgorithmicMedia, path: "edit.png")
        #expect(try ImageMetadata.read(bytes: bytes, path: "edit.png").digitalSourceType?.type == .compositeWithTrainedAlgorithmicMedia)
    }

    @Test func exifOrientationIsRemovedAndTheRestKept() throws {
        let tiff = Fixtures.exif(orientation: 6)
        #expect(ExifEditing.orientation(in: tiff) == 6)
        let edited = try #require(ExifEditing.removingOrientation(tiff))
        #expect(ExifEditing.orientation(in: edited) == nil)
        #expect(edited.count == tiff.count)
        let bigEndian = try #require(ExifEditing.removingOrientation(Fixtures.exif(orientation: 8, bigEndian: true)))
        #expect(ExifEditing.orientation(in: bigEndian) == nil)
    }

    @Test(.enabled(if: ExternalTools.hasExiftool, "exiftool is not installed: run scripts/test.sh"))
    func thumbnailsKeepOrStripMetadata() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let input = try Self.taggedJPEG(in: directory)
        let source = try ImageMetadata.read(path: input)
        #expect(source.exif != nil && source.xmp != nil && source.iptc != nil)
        for format in ImageFormat.allCases {
            let kept = directory + "/kept.\(format.fileExtension)"
            try Thumbnailer.write(input: input, to: kept, options: ThumbnailOptions.size(64).with(colour: .convertToSRGB, metadata: .keep))
            let tags = try ExternalTools.exif(kept)
            #expect(tags["IFD0:Artist"] == "Ada Lovelace", "\(format): EXIF lost: \(tags.keys.sorted())")
            #expect(tags["IFD0:Orientation"] == nil, "\(format): orientation kept on upright pixels")
            #expect(tags["XMP-dc:Creator"] == "Ada Lovelace", "\(format): XMP lost")
            if format != .webp { #expect(tags["IPTC:By-line"] == "Ada Lovelace", "\(format): IPTC lost") }
            #expect(tags["GPS:GPSLatitude"] != nil, "\(format): GPS lost")

            let plain = directory + "/plain.\(format.fileExtension)"
            try Thumbnailer.write(input: input, to: plain, options: .size(64))
            let plainTags = try ExternalTools.exif(plain)
            #expect(plainTags["IFD0:Artist"] == nil && plainTags["XMP-dc:Creator"] == nil && plainTags["IPTC:By-line"] == nil,
                    "\(format): the default keeps no EXIF, XMP or IPTC")
        }
    }

    @Test func provenanceSurvivesThumbnailsUnlessNothingToKeep() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let input = directory + "/generated.png"
        let (bytes, _) = try Provenance.mark(try Fixtures.encoded(.png, Fixtures.picture(width: 200, height: 100)),
                                             as: .trainedAlgorithmicMedia, path: input)
        try Data(bytes).write(to: URL(fileURLWithPath: input))
        for policy in MetadataPolicy.allCases {
            let output = directory + "/thumb-\(policy.rawValue).jpg"
            try Thumbnailer.write(input: input, to: output, options: ThumbnailOptions.size(64).with(colour: .convertToSRGB, metadata: policy))
            #expect(try ImageMetadata.read(path: output).digitalSourceType?.type == .trainedAlgorithmicMedia, "\(policy)")
            if ExternalTools.hasExiftool {
                #expect(try ExternalTools.exif(output)["XMP-iptcExt:DigitalSourceType"] == DigitalSourceType.trainedAlgorithmicMedia.uri)
            }
        }
    }

    /// A C2PA manifest (a JUMBF box labelled c2pa in APP11) is reported with the type it declares, left
    /// untouched by marking (its hashes cover the file), and carried as XMP when the file is re-encoded.
    @Test func c2paManifestIsReportedKeptAndItsTypeCarried() throws {
        let jpeg = try Fixtures.encoded(.jpeg, Fixtures.picture(width: 64, height: 64))
        let jumbf = Array("\u{0}\u{0}\u{0}\u{40}jumb\u{0}\u{0}\u{0}\u{18}jumdc2pa\u{0}\u{11}\u{0}\u{10}c2pa\u{0}".utf8)
            + Array("digitalSourceType\u{78}\(DigitalSourceType.trainedAlgorithmicMedia.uri)".utf8)
        let payload: [UInt8] = [0x4A, 0x50, 0, 1, 0, 0, 0, 1] + jumbf
        let length = payload.count + 2
        let signed = Array(jpeg[0..<2]) + [0xFF, 0xEB, UInt8(length >> 8), UInt8(length & 0xFF)] + payload + Array(jpeg[2...])
        let metadata = try ImageMetadata.read(bytes: signed, path: "signed.jpg")
        #expect(metadata.c2pa != nil)
        #expect(metadata.digitalSourceType?.type == .trainedAlgorithmicMedia)
        #expect(metadata.digitalSourceType?.origin == .c2pa)
        let (unchanged, marking) = try Provenance.mark(signed, as: .trainedAlgorithmicMedia, path: "signed.jpg")
        #expect(marking == .keptManifest(declared: .trainedAlgorithmicMedia))
        #expect(unchanged == signed)
        let carried = MetadataPolicy.provenance.carried(from: metadata)
        #expect(carried.c2pa == nil)
        #expect(carried.digitalSourceType?.type == .trainedAlgorithmicMedia)
    }

    @Test func damagedMetadataIsSkippedNotFatal() throws {
        var png = try Fixtures.encoded(.png)
        png = Array(png[0..<33]) + Fixtures.pngChunk("zTXt", Array("Raw profile type iptc".utf8) + [0, 0, 1, 2, 3]) + Array(png[33...])
        #expect(try ImageMetadata.read(bytes: png, path: "odd.png").iptc == nil)
    }
}
