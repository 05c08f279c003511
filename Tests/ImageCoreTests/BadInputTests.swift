import Foundation
import Testing
@testable import ImageCore

/// Corrupt, empty, random, truncated, mislabelled and hostile inputs: each gets its own typed error
/// naming the file, never a crash, a hang or a grey-padded picture.
@Suite struct BadInputTests {
    @Test func emptyFile() throws {
        let directory = try Fixtures.temporaryDirectory()
        let path = directory + "/empty.jpg"
        FileManager.default.createFile(atPath: path, contents: Data())
        #expect(throws: ProbeError.empty(path: path)) { try ImageProbe.probe(path: path) }
        #expect(throws: ProbeError.empty(path: path)) { try ImageDecoder.decode(path: path) }
    }

    @Test func missingFileAndDirectory() throws {
        let directory = try Fixtures.temporaryDirectory()
        #expect(throws: ProbeError.unreadable(path: directory + "/nope.png", reason: "No such file or directory")) {
            try ImageDecoder.decode(path: directory + "/nope.png")
        }
        #expect(throws: ProbeError.unreadable(path: directory, reason: "it is a directory")) {
            try ImageProbe.probe(path: directory)
        }
    }

    @Test func randomBytesAreNotAnImage() throws {
        var generator = SeededGenerator(seed: 7)
        let bytes = (0..<1000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        #expect {
            try ImageDecoder.decode(bytes: bytes, path: "noise.png")
        } throws: { error in
            guard case ProbeError.notAnImage(path: "noise.png", _, _) = error else { return false }
            return true
        }
    }

    @Test func foreignFormatsAreNamed() throws {
        let gif = Array("GIF89a".utf8) + [1, 0, 1, 0, 0, 0, 0]
        #expect(throws: ProbeError.notAnImage(path: "a.png", leadingBytes: Array(gif.prefix(16)), guess: "a GIF image")) {
            try ImageProbe.probe(bytes: gif, path: "a.png")
        }
        let html = Array("<!DOCTYPE html><html>".utf8)
        let error = #expect(throws: ProbeError.self) { try ImageProbe.probe(bytes: html, path: "x.webp") }
        #expect(error?.description.hasPrefix("x.webp: not a JPEG, PNG or WebP file (it looks like an HTML") == true)
    }

    @Test(arguments: ImageFormat.allCases)
    func truncatedAnywhereIsAnError(format: ImageFormat) throws {
        let whole = try Fixtures.encoded(format, Fixtures.picture(width: 96, height: 64), options: EncodeOptions(quality: 90))
        var cuts = Set([1, 2, 5, 11, 20, 40, whole.count - 1, whole.count - 2, whole.count - 8])
        for tenth in 1...9 { cuts.insert(whole.count * tenth / 10) }
        for cut in cuts.sorted() where cut < whole.count {
            let path = "cut-\(cut).\(format.fileExtension)"
            do {
                let image = try ImageDecoder.decode(bytes: Array(whole[0..<cut]), path: path)
                Issue.record("\(path) of \(whole.count) bytes decoded to \(image.pixels.width)×\(image.pixels.height)")
            } catch let error as ProbeError {
                #expect(error.path == path)
                if case .truncatedHeader = error {} else if case .notAnImage = error {} else if case .invalidHeader = error {} else {
                    Issue.record("\(path): unexpected \(error)")
                }
            } catch let error as DecodeError {
                #expect(error.path == path)
                guard case .truncated(_, format, _) = error else {
                    Issue.record("\(path): expected truncated, got \(error)")
                    continue
                }
            }
        }
    }

    /// `--fail-on none` gives whatever can be decoded, with the warning kept.
    @Test(arguments: ImageFormat.allCases)
    func failOnNoneKeepsWhatCanBeDecoded(format: ImageFormat) throws {
        let whole = try Fixtures.encoded(format, Fixtures.picture(width: 96, height: 64), options: EncodeOptions(quality: 90))
        let cut = Array(whole[0..<(whole.count * 6 / 10)])
        let image = try ImageDecoder.decode(bytes: cut, path: "cut", options: DecodeOptions(failOn: .none))
        #expect(image.pixels.width == 96 && image.pixels.height == 64)
        if format != .webp { #expect(!image.warnings.isEmpty) }
    }

    @Test func damagedJPEGDataDependsOnThePolicy() throws {
        let jpeg = try Fixtures.encoded(.jpeg, Fixtures.picture(width: 256, height: 256), options: EncodeOptions(quality: 90))
        // Stray bytes before the end marker: every row is decoded, the file's structure is damaged.
        let stray = Array(jpeg.dropLast(2)) + [UInt8](repeating: 0x41, count: 12) + [0xFF, 0xD9]
        let lenient = try ImageDecoder.decode(bytes: stray, path: "d.jpg", options: DecodeOptions(failOn: .truncated))
        #expect(lenient.warnings.first?.contains("extraneous bytes before marker 0xd9") == true)
        #expect {
            try ImageDecoder.decode(bytes: stray, path: "d.jpg", options: DecodeOptions(failOn: .error))
        } throws: { error in
            guard case DecodeError.corrupt(path: "d.jpg", format: .jpeg, _) = error else { return false }
            return true
        }
        // Scrambled entropy-coded bytes: Huffman decoding goes astray and reaches the end marker before the
        // last rows, which libjpeg then fills in. Rows filled in rather than decoded are truncation.
        var scrambled = jpeg
        let middle = scrambled.count / 2
        for index in middle..<middle + 64 where scrambled[index] != 0xFF && scrambled[index - 1] != 0xFF {
            scrambled[index] = (scrambled[index] ^ 0xA5) == 0xFF ? 0x00 : scrambled[index] ^ 0xA5
        }
        #expect {
            try ImageDecoder.decode(bytes: scrambled, path: "d.jpg", options: DecodeOptions(failOn: .truncated))
        } throws: { error in
            guard case DecodeError.truncated(path: "d.jpg", format: .jpeg, _) = error else { return false }
            return true
        }
    }

    @Test func damagedPNGDataIsCorrupt() throws {
        var png = try Fixtures.encoded(.png, Fixtures.picture(width: 64, height: 64))
        png[png.count - 30] ^= 0x5A  // inside IDAT: its CRC no longer matches
        #expect {
            try ImageDecoder.decode(bytes: png, path: "d.png")
        } throws: { error in
            guard case DecodeError.corrupt(path: "d.png", format: .png, _) = error else { return false }
            return true
        }
    }

    /// Seeded random damage to valid files, decoded under every policy: errors are fine, crashes are not.
    @Test(arguments: ImageFormat.allCases)
    func randomDamageNeverCrashes(format: ImageFormat) throws {
        let whole = try Fixtures.encoded(format, Fixtures.picture(width: 48, height: 40, layout: .rgba))
        // A seed fixed per format (hashValue changes from one process to the next, so a failure could not be replayed).
        var generator = SeededGenerator(seed: format.rawValue.utf8.reduce(17) { $0 &* 31 &+ UInt64($1) })
        for _ in 0..<150 {
            var bytes = whole
            for _ in 0..<Int.random(in: 1...8, using: &generator) {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            if Bool.random(using: &generator) { bytes = Array(bytes[0..<Int.random(in: 1...bytes.count, using: &generator)]) }
            for policy in FailOn.allCases {
                do {
                    let image = try ImageDecoder.decode(bytes: bytes, path: "fuzz", options: DecodeOptions(failOn: policy))
                    #expect(image.pixels.pixels.count == image.pixels.width * image.pixels.height * image.pixels.layout.channels)
                } catch let error as FileError {
                    #expect(error.path == "fuzz")
                }
            }
        }
    }

    @Test func truncatedWebPWithPaddingIsStillTruncated() throws {
        let webp = try Fixtures.encoded(.webp, Fixtures.picture(width: 33, height: 17), options: EncodeOptions(lossless: true))
        #expect(throws: DecodeError.self) { try ImageDecoder.decode(bytes: Array(webp.dropLast()), path: "w.webp") }
    }
}

/// A small deterministic generator (SplitMix64), so that random tests fail the same way every time.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
