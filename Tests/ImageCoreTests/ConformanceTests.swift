import Crypto
import Foundation
import Testing
@testable import ImageCore

/// PngSuite, one file at a time: every valid file decodes to what its name says; every `x` file is
/// rejected with its own exact error.
@Suite(.enabled(if: Conformance.root != nil, Comment(rawValue: Conformance.missingNote)))
struct PngSuiteTests {
    static let valid = Conformance.files("pngsuite", ext: "png").filter { !name($0).hasPrefix("x") }
    static let corrupt = Conformance.files("pngsuite", ext: "png").filter { name($0).hasPrefix("x") }

    static func name(_ path: String) -> String { String(path.split(separator: "/").last ?? "") }

    @Test(arguments: valid)
    func decodesAsItsNameSays(path: String) throws {
        let name = Self.name(path)
        let info = try ImageProbe.probe(path: path)
        let image = try ImageDecoder.decode(path: path)
        // Names are like basn3p08: [4] colour type, [6..7] bit depth, [3] 'i' for interlaced.
        let chars = Array(name)
        let colorType = Int(String(chars[4]))!
        let depth = Int(String(chars[6...7]))!
        #expect(info.bitDepth == depth)
        #expect(info.isProgressive == (chars[3] == "i"))
        #expect(info.colorModel == [0: .grey, 2: .rgb, 3: .palette, 4: .grey, 6: .rgb][colorType])
        #expect(image.pixels.width == info.storedWidth && image.pixels.height == info.storedHeight)
        let expectedLayout: PixelLayout =
            switch colorType {
            case 0: info.hasAlpha ? .greyAlpha : .grey
            case 4: .greyAlpha
            case 2, 3: info.hasAlpha ? .rgba : .rgb
            default: .rgba
            }
        #expect(image.pixels.layout == expectedLayout)
        if colorType == 4 || colorType == 6 { #expect(info.hasAlpha) }
    }

    /// Adam7 interlacing changes how the data is stored, never the picture.
    @Test(arguments: valid.filter { name($0).hasPrefix("basi") })
    func interlacedEqualsNonInterlaced(path: String) throws {
        let twin = path.replacingOccurrences(of: "/basi", with: "/basn")
        #expect(try ImageDecoder.decode(path: path).pixels == ImageDecoder.decode(path: twin).pixels)
    }

    @Test func transparencyChunkBecomesAlpha() throws {
        let root = try #require(Conformance.root)
        let image = try ImageDecoder.decode(path: root + "/pngsuite/tbrn2c08.png")
        #expect(image.pixels.layout == .rgba)
        #expect(image.pixels.pixels.enumerated().contains { $0.offset % 4 == 3 && $0.element == 0 })
        #expect(try ImageDecoder.decode(path: root + "/pngsuite/tp0n3p08.png").pixels.layout == .rgb)
    }

    enum Expected: Sendable, CustomTestStringConvertible {
        case invalidHeader(String)
        case notAnImage
        case corrupt
        var testDescription: String { "\(self)" }
    }

    static let expectations: [String: Expected] = [
        "xc1n0g08.png": .invalidHeader("colour type 1"),
        "xc9n2c08.png": .invalidHeader("colour type 9"),
        "xcrn0g04.png": .notAnImage,
        "xcsn0g01.png": .corrupt,
        "xd0n2c08.png": .invalidHeader("bit depth 0 is not allowed for colour type 2"),
        "xd3n2c08.png": .invalidHeader("bit depth 3 is not allowed for colour type 2"),
        "xd9n2c08.png": .invalidHeader("bit depth 99 is not allowed for colour type 2"),
        "xdtn0g01.png": .invalidHeader("no image data (IEND before any IDAT chunk)"),
        "xhdn0g08.png": .invalidHeader("IHDR checksum mismatch"),
        "xlfn0g04.png": .notAnImage,
        "xs1n0g01.png": .notAnImage,
        "xs2n0g01.png": .notAnImage,
        "xs4n0g01.png": .notAnImage,
        "xs7n0g01.png": .notAnImage,
    ]

    @Test(arguments: corrupt)
    func isRejectedWithItsExactError(path: String) throws {
        let expected = try #require(Self.expectations[Self.name(path)], "no expectation for \(Self.name(path))")
        do {
            _ = try ImageDecoder.decode(path: path)
            Issue.record("\(path) decoded")
        } catch let error as ProbeError {
            switch (expected, error) {
            case (.invalidHeader(let detail), .invalidHeader(let errorPath, .png, let actual)):
                #expect(actual == detail)
                #expect(errorPath == path)
            case (.notAnImage, .notAnImage(_, _, let guess)):
                #expect(guess == "a PNG whose signature is damaged, as by a text-mode transfer")
            default:
                Issue.record("expected \(expected), got \(error)")
            }
        } catch let error as DecodeError {
            guard case .corrupt = expected, case .corrupt(path, .png, _) = error else {
                Issue.record("expected \(expected), got \(error)")
                return
            }
        }
    }
}

/// libwebp's own vectors: each decodes, and matches the MD5 of `dwebp -pam` where the suite lists one.
@Suite(.enabled(if: Conformance.root != nil, Comment(rawValue: Conformance.missingNote)))
struct WebPVectorTests {
    static let files = Conformance.files("libwebp", ext: "webp")

    static let pamDigests: [String: String] = {
        guard let root = Conformance.root,
            let text = try? String(contentsOfFile: root + "/libwebp/libwebp_tests.md5", encoding: .utf8)
        else { return [:] }
        var digests: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2, parts[1].hasSuffix(".webp.pam") else { continue }
            digests[String(parts[1].dropLast(4))] = String(parts[0])
        }
        return digests
    }()

    @Test(arguments: files)
    func decodesAndMatchesTheReferenceOutput(path: String) throws {
        let image = try ImageDecoder.decode(path: path)
        let info = try ImageProbe.probe(path: path)
        #expect(image.pixels.width == info.width && image.pixels.height == info.height)
        let name = String(path.split(separator: "/").last!)
        guard let digest = Self.pamDigests[name] else { return }
        let rgba = image.pixels.converted(to: .rgba)
        let header = "P7\nWIDTH \(rgba.width)\nHEIGHT \(rgba.height)\nDEPTH 4\nMAXVAL 255\nTUPLTYPE RGB_ALPHA\nENDHDR\n"
        let pam = Array(header.utf8) + rgba.pixels
        let actual = Insecure.MD5.hash(data: pam).map { String(format: "%02x", $0) }.joined()
        #expect(actual == digest, "\(name)")
    }

    @Test func theSuiteListsReferenceDigests() {
        #expect(Self.pamDigests.count >= 90)
    }
}

/// The EXIF orientation examples: all eight orientations display as the same upright picture.
@Suite(.enabled(if: Conformance.root != nil, Comment(rawValue: Conformance.missingNote)))
struct ExifOrientationExampleTests {
    @Test(arguments: ["Landscape", "Portrait"], 0...8)
    func comesOutUpright(kind: String, orientation: Int) throws {
        let root = try #require(Conformance.root)
        let reference = try ImageDecoder.decode(path: "\(root)/exif-orientation/\(kind)_1.jpg").pixels
        let image = try ImageDecoder.decode(path: "\(root)/exif-orientation/\(kind)_\(orientation).jpg")
        #expect(image.info.orientation == Orientation(exifValue: orientation))
        #expect(image.pixels.width == reference.width && image.pixels.height == reference.height)
        // The examples were saved separately, so JPEG noise differs; a wrong turn differs by far more.
        #expect(Fixtures.meanDifference(image.pixels, reference) < 4)
        if orientation >= 2 {
            let unturned = try ImageDecoder.decode(
                path: "\(root)/exif-orientation/\(kind)_\(orientation).jpg",
                options: DecodeOptions(applyOrientation: false)).pixels
            #expect(unturned.width != reference.width || Fixtures.meanDifference(unturned, reference) > 20)
        }
    }
}
