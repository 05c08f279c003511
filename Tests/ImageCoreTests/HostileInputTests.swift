import Foundation
import Testing
@testable import ImageCore

/// Issue 9's hostile inputs: data cut short but closed with an end marker, headers that declare more
/// than any decode may hold, and limits that callers ask to lift.
@Suite struct HostileInputTests {
    // MARK: Rows filled in count as truncation (item 6)

    /// A JPEG cut in its scan with an end marker appended: libjpeg says "Corrupt JPEG data: premature end
    /// of data segment" and fills the missing rows in. That is truncation, refused at the default level.
    @Test func aCutJPEGClosedWithAnEndMarkerIsTruncated() throws {
        let whole = try Fixtures.encoded(.jpeg, noise(width: 256, height: 192), options: EncodeOptions(quality: 90))
        let cut = Array(whole[0..<whole.count * 2 / 5]) + [0xFF, 0xD9]
        for check in [false, true] {
            #expect {
                try decodeOrCheck(cut, check: check, failOn: .truncated)
            } throws: { error in
                guard case DecodeError.truncated(path: "cut.jpg", format: .jpeg, let detail) = error else { return false }
                return detail.contains("premature end of data segment")
            }
        }
        // --fail-on none still gives the picture, the warning noted.
        let lenient = try ImageDecoder.decode(bytes: cut, path: "cut.jpg", options: DecodeOptions(failOn: .none))
        #expect(lenient.warnings == ["Corrupt JPEG data: premature end of data segment"])
    }

    /// A progressive JPEG cut between two scans and closed with an end marker draws no warning from
    /// libjpeg at all: the later scans simply never come.
    @Test func aProgressiveJPEGMissingItsLastScansIsTruncated() throws {
        let whole = try Fixtures.encoded(.jpeg, noise(width: 128, height: 96), options: EncodeOptions(quality: 90, progressive: true))
        let scans = (0..<whole.count - 1).filter { whole[$0] == 0xFF && whole[$0 + 1] == 0xDA }
        try #require(scans.count > 3)
        let cut = Array(whole[0..<scans[3]]) + [0xFF, 0xD9]
        for check in [false, true] {
            #expect {
                try decodeOrCheck(cut, check: check, failOn: .truncated)
            } throws: { error in
                guard case DecodeError.truncated(path: "cut.jpg", format: .jpeg, let detail) = error else { return false }
                return detail.hasPrefix("Progressive JPEG data ends before its last scan")
            }
        }
        #expect(try ImageDecoder.decode(bytes: whole, path: "whole.jpg").warnings.isEmpty)
    }

    /// A PNG whose image data stops early, the IDAT chunk shortened (length and CRC made right) and IEND
    /// after it: libpng finds IEND where rows are still missing.
    @Test func aPNGWhoseImageDataStopsEarlyIsTruncated() throws {
        let whole = try Fixtures.encoded(.png, noise(width: 128, height: 96))
        let idat = try #require((8..<whole.count - 8).first { Array(whole[$0 + 4..<$0 + 8]) == Array("IDAT".utf8) })
        let length = Int(whole[idat]) << 24 | Int(whole[idat + 1]) << 16 | Int(whole[idat + 2]) << 8 | Int(whole[idat + 3])
        let data = Array(whole[idat + 8..<idat + 8 + length / 2])
        let cut = Array(whole[0..<idat]) + Fixtures.pngChunk("IDAT", data) + Fixtures.pngChunk("IEND", [])
        for check in [false, true] {
            #expect {
                try decodeOrCheck(cut, check: check, failOn: .truncated, name: "cut.png")
            } throws: { error in
                guard case DecodeError.truncated(path: "cut.png", format: .png, _) = error else { return false }
                return true
            }
        }
    }

    /// A bad CRC inside the image data stays damage, not truncation.
    @Test func aDamagedPNGIsStillCorrupt() throws {
        var png = try Fixtures.encoded(.png, noise(width: 64, height: 64))
        png[png.count - 30] ^= 0x5A
        #expect {
            try decodeOrCheck(png, check: true, failOn: .truncated, name: "d.png")
        } throws: { error in
            guard case DecodeError.corrupt(path: "d.png", format: .png, _) = error else { return false }
            return true
        }
    }

    // MARK: Memory bound (item 8)

    /// A progressive JPEG's decode needs the picture and libjpeg's coefficients; a check needs only the
    /// coefficients and a band of rows. Both are worked out from the header and refused beyond the budget.
    @Test func memoryIsBoundedFromTheHeader() throws {
        let picture = noise(width: 1600, height: 1200)
        let progressive = try Fixtures.encoded(.jpeg, picture, options: EncodeOptions(quality: 80, progressive: true))
        let budget = ImageLimits(maxMemory: 10_000_000)
        #expect {
            try ImageDecoder.decode(bytes: progressive, path: "p.jpg", options: DecodeOptions(limits: budget))
        } throws: { error in
            guard case DecodeError.tooMuchMemory(path: "p.jpg", let bytes, limit: 10_000_000) = error else { return false }
            return bytes > 10_000_000
        }
        _ = try ImageDecoder.check(bytes: progressive, path: "p.jpg", options: DecodeOptions(limits: budget))
        // A baseline JPEG and a PNG are checked in the memory of a few rows.
        let rowsOnly = ImageLimits(maxMemory: 3_000_000)
        for format in [ImageFormat.jpeg, .png] {
            let file = try Fixtures.encoded(format, picture)
            let name = "big." + format.fileExtension
            #expect(throws: DecodeError.self) {
                try ImageDecoder.decode(bytes: file, path: name, options: DecodeOptions(limits: rowsOnly))
            }
            let checked = try ImageDecoder.check(bytes: file, path: name, options: DecodeOptions(limits: rowsOnly))
            #expect(checked.info.width == 1600 && checked.warnings.isEmpty)
        }
    }

    /// Turning the picture upright copies it, and the copy is counted too.
    @Test func theUprightCopyIsCounted() throws {
        let jpeg = try Fixtures.jpegWithOrientation(6, pixels: noise(width: 1000, height: 800))
        let enough = ImageLimits(maxMemory: 4_500_000)  // picture 2.4 MB + libjpeg's rows, not the upright copy
        _ = try ImageDecoder.decode(bytes: jpeg, path: "o.jpg", options: DecodeOptions(limits: enough, applyOrientation: false))
        #expect(throws: DecodeError.self) {
            try ImageDecoder.decode(bytes: jpeg, path: "o.jpg", options: DecodeOptions(limits: enough))
        }
    }

    /// `check` and a full decode agree on every file: the same outcome, the same error.
    @Test func checkAgreesWithDecode() throws {
        var files: [(String, [UInt8])] = []
        for folder in [("pngsuite", "png"), ("libwebp", "webp"), ("exif-orientation", "jpg")] {
            for path in Conformance.files(folder.0, ext: folder.1) {
                files.append((path, Array(try Data(contentsOf: URL(fileURLWithPath: path)))))
            }
        }
        for format in ImageFormat.allCases {
            let whole = try Fixtures.encoded(format, Fixtures.picture(width: 96, height: 64, layout: .rgba))
            files.append(("whole." + format.fileExtension, whole))
            for tenth in [3, 6, 9] { files.append(("cut\(tenth)." + format.fileExtension, Array(whole[0..<whole.count * tenth / 10]))) }
        }
        for (path, bytes) in files {
            for policy in FailOn.allCases {
                let options = DecodeOptions(failOn: policy, applyOrientation: false)
                let decoded = Result { try ImageDecoder.decode(bytes: bytes, path: path, options: options).warnings }
                let checked = Result { try ImageDecoder.check(bytes: bytes, path: path, options: options).warnings }
                switch (decoded, checked) {
                case (.success(let a), .success(let b)): #expect(a == b, "\(path) \(policy)")
                case (.failure(let a), .failure(let b)): #expect("\(a)" == "\(b)", "\(path) \(policy)")
                default: Issue.record("\(path) under \(policy): decode \(decoded), check \(checked)")
                }
            }
        }
    }

    // MARK: A ceiling no caller can lift (item 9)

    @Test func liftedPixelLimitsStopAtTheCeiling() throws {
        let hostile = Fixtures.hostilePNG(width: 20_000, height: 20_000)
        for limits in [ImageLimits(maxPixels: nil), ImageLimits(maxPixels: Int.max)] {
            #expect(throws: ProbeError.tooManyPixels(path: "h.png", width: 20_000, height: 20_000, limit: ImageLimits.ceilingPixels)) {
                try ImageDecoder.decode(bytes: hostile, path: "h.png", options: DecodeOptions(limits: limits))
            }
        }
        #expect(ImageLimits(maxPixels: nil).memoryLimit == ImageLimits.ceilingMemory)
        #expect(ImageLimits().memoryLimit == 800_000_000)
    }

    @Test func liftedByteLimitsStopAtTheCeiling() throws {
        let path = try Fixtures.temporaryDirectory() + "/huge.png"
        let fd = open(path, O_CREAT | O_WRONLY, 0o644)
        defer { unlink(path) }
        try #require(fd >= 0)
        // Sparse: no disk is used, and nothing is read, since the size is checked first.
        try #require(ftruncate(fd, off_t(ImageLimits.ceilingBytes + 1)) == 0)
        close(fd)
        #expect(throws: ProbeError.tooManyBytes(path: path, bytes: ImageLimits.ceilingBytes + 1, limit: ImageLimits.ceilingBytes)) {
            try ImageDecoder.decode(path: path, options: DecodeOptions(limits: ImageLimits(maxBytes: nil, maxPixels: nil)))
        }
    }

    // MARK: Helpers

    /// Noise compresses badly, so a cut lands well inside the data.
    func noise(width: Int, height: Int) -> PixelBuffer {
        var generator = SeededGenerator(seed: UInt64(width * 7919 + height))
        return PixelBuffer(width: width, height: height, layout: .rgb,
                           pixels: (0..<width * height * 3).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    func decodeOrCheck(_ bytes: [UInt8], check: Bool, failOn: FailOn, name: String = "cut.jpg") throws {
        let options = DecodeOptions(failOn: failOn)
        if check { _ = try ImageDecoder.check(bytes: bytes, path: name, options: options) } else {
            _ = try ImageDecoder.decode(bytes: bytes, path: name, options: options)
        }
    }
}
