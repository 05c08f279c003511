import CJPEG
import Foundation
import Testing
@testable import ImageCore

/// Progressive JPEGs of several scan scripts, made in code from the same coefficients (`LibJPEG.rescan`,
/// like `jpegtran -scans`), so that the DC-only thumbnail path can be compared with the all-scans one.
enum ProgressiveFixtures {
    /// A 512×384 photo-like picture: gradients, coloured edges and a fixed pseudo-random texture in the
    /// light (as a photo's grain), so that the AC scans carry real detail and the DC scans are not
    /// trivially the whole picture.
    static func picture(grey: Bool = false) -> PixelBuffer {
        let width = 512, height = 384
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        var generator = SeededGenerator(seed: 7)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                let noise = Int.random(in: -30...30, using: &generator)
                let edge = (x / 37 + y / 29) % 2 == 0 ? 40 : 0
                rgb[i] = UInt8(clamping: 30 + x * 180 / width + edge + noise)
                rgb[i + 1] = UInt8(clamping: 40 + y * 160 / height + noise)
                rgb[i + 2] = UInt8(clamping: 150 - edge / 2 + noise)
            }
        }
        let picture = PixelBuffer(width: width, height: height, layout: .rgb, pixels: rgb)
        guard grey else { return picture }
        let luma = (0..<width * height).map { index -> UInt8 in
            let red = Int(rgb[index * 3]), green = Int(rgb[index * 3 + 1]), blue = Int(rgb[index * 3 + 2])
            return UInt8((red * 299 + green * 587 + blue * 114) / 1000)
        }
        return PixelBuffer(width: width, height: height, layout: .grey, pixels: luma)
    }

    static func scan(_ components: [Int32], _ ss: Int32, _ se: Int32, _ ah: Int32, _ al: Int32) -> ipjpeg_scan {
        var scan = ipjpeg_scan()
        scan.components = Int32(components.count)
        withUnsafeMutableBytes(of: &scan.component) { raw in
            let slots = raw.bindMemory(to: Int32.self)
            for (slot, component) in components.enumerated() { slots[slot] = component }
        }
        scan.Ss = ss
        scan.Se = se
        scan.Ah = ah
        scan.Al = al
        return scan
    }

    /// mozjpeg's layout: one DC scan per component, and all of luma's AC before chroma's DC, so that
    /// the first scans are not the DC of every component.
    static let splitDC: [ipjpeg_scan] = [
        scan([0], 0, 0, 0, 0), scan([0], 1, 2, 0, 0), scan([0], 3, 63, 0, 0),
        scan([1], 0, 0, 0, 0), scan([2], 0, 0, 0, 0), scan([1], 1, 63, 0, 0), scan([2], 1, 63, 0, 0),
    ]

    /// Every AC coefficient of each of `components` in its own scan, each in `bits` successive-approximation
    /// steps, after one DC scan: 1 + components × 63 × `bits` scans. With `count`, exactly `count` scans
    /// (at most that total) that still send every coefficient in full: once the refined scans would leave
    /// too few, coefficients go whole, one scan each, and then each component's rest in one band. (A
    /// progression that stops early is a cut file; decoders refuse it as truncated.)
    static func manyScans(components: Int32 = 3, bits: Int32, count: Int = .max) -> [ipjpeg_scan] {
        var scans = [scan(Array(0..<components), 0, 0, 0, 0)]
        for component in 0..<components {
            var coefficient: Int32 = 1
            while coefficient <= 63 {
                // One scan at least for each later component, and one for this one's rest.
                let reserve = Int(components - component - 1) + (coefficient < 63 ? 1 : 0)
                if scans.count + Int(bits) + reserve <= count {
                    scans.append(scan([component], coefficient, coefficient, 0, bits - 1))
                    for al in stride(from: bits - 2, through: 0, by: -1) {
                        scans.append(scan([component], coefficient, coefficient, al + 1, al))
                    }
                    coefficient += 1
                } else if scans.count + 1 + reserve <= count {
                    scans.append(scan([component], coefficient, coefficient, 0, 0))
                    coefficient += 1
                } else {
                    scans.append(scan([component], coefficient, 63, 0, 0))
                    coefficient = 64
                }
            }
        }
        return scans
    }

    /// The file for a named scan script: libjpeg's default progression (`jpeg_simple_progression`: DC
    /// with successive approximation, its refinement seventh of ten scans in colour), or the same
    /// coefficients re-encoded with one of the scripts above. Grey files have one component, so split
    /// DC does not apply to them.
    static func file(_ script: String, grey: Bool = false) throws -> [UInt8] {
        let components: Int32 = grey ? 1 : 3
        let all = Array(0..<components)
        let scans: [ipjpeg_scan]
        switch script {
        case "libjpeg default":
            return try ImageEncoder.encode(picture(grey: grey), as: .jpeg, options: EncodeOptions(quality: 80, progressive: true))
        case "mozjpeg split DC":
            scans = splitDC
        case "DC per component":
            // Each component's DC in its own scan, all before any AC (as the corpus's Volna wallpaper).
            scans = all.map { scan([$0], 0, 0, 0, 0) } + all.map { scan([$0], 1, 63, 0, 0) }
        case "refined DC first":
            scans = [scan(all, 0, 0, 0, 2), scan(all, 0, 0, 2, 1), scan(all, 0, 0, 1, 0)]
                + all.map { scan([$0], 1, 63, 0, 0) }
        case "90 scans":
            scans = manyScans(components: components, bits: 2, count: 90)
        default:
            scans = manyScans(components: components, bits: 3)
        }
        let baseline = try ImageEncoder.encode(picture(grey: grey), as: .jpeg, options: EncodeOptions(quality: 80))
        return try LibJPEG.rescan(baseline, scans: scans, path: "fixture.jpg")
    }
}

@Suite struct ProgressiveDCTests {
    static let scripts = ["libjpeg default", "mozjpeg split DC", "refined DC first", "90 scans"]

    /// Waiting for the DC refinement gives exactly the all-scans picture at 1/8 where every component is
    /// decoded at 1/8: then each output pixel is its block's DC, whatever the AC scans say. (In a colour
    /// file with 4:2:0 chroma, libjpeg decodes chroma at 2×2 per block to spare the upsampler, using three
    /// AC coefficients, so there the two differ slightly; the next test bounds that.)
    @Test(arguments: ["libjpeg default", "refined DC first", "90 scans"])
    func refinedDCIsExactlyTheAllScansEighth(script: String) throws {
        let bytes = try ProgressiveFixtures.file(script, grey: true)
        #expect(try ImageProbe.probe(bytes: bytes, path: "p.jpg").isProgressive)
        let all = try LibJPEG.decode(bytes, path: "p.jpg", failOn: .warning, scale: 8).pixels
        let (dc, read) = try LibJPEG.decodeDCScans(bytes, path: "p.jpg", failOn: .warning, waitForRefinement: true)
        #expect(read.refined)
        #expect(dc.pixels.width == 64 && dc.pixels.height == 48)
        #expect(dc.pixels.pixels == all.pixels, "\(script): mean difference \(Fixtures.meanDifference(dc.pixels, all))")
        #expect(read.bytesRead < bytes.count)
    }

    /// The DC scans decoded past libjpeg (`JPEGDCDecoder`) are libjpeg's DC-path picture exactly, grey
    /// and 4:2:0 colour alike, and say as much of how far they read. A script with AC scans before the
    /// last DC (mozjpeg's split DC) is left to libjpeg, which would judge those scans.
    @Test(arguments: scripts + ["DC per component"])
    func dcScansDecodedHereAreLibjpegsPicture(script: String) throws {
        for grey in [false, true] where !grey || ["libjpeg default", "refined DC first", "90 scans"].contains(script) {
            let bytes = try ProgressiveFixtures.file(script, grey: grey)
            let (libjpeg, read) = try LibJPEG.decodeDCScans(bytes, path: "p.jpg", failOn: .truncated)
            guard script != "mozjpeg split DC" else {
                #expect(JPEGDCDecoder(bytes) == nil)
                continue
            }
            let here = try #require(JPEGDCDecoder(bytes), "\(script), grey \(grey)")
            #expect(here.pixels == libjpeg.pixels, "\(script), grey \(grey): mean difference \(Fixtures.meanDifference(here.pixels, libjpeg.pixels))")
            #expect(here.scansRead == read.scansRead && here.refined == read.refined, "\(script)")
            #expect(here.bytesRead < bytes.count)
            let thumbnail = try Thumbnailer.thumbnail(bytes: bytes, path: "p.jpg", options: .size(grey ? 48 : 32))
            #expect(thumbnail.decisions[0].contains("decoded by imagepipe"), "\(thumbnail.decisions)")
        }
    }

    /// Chroma sampled 4:4:4 and 4:2:2 (libjpeg upsamples 4:2:2 chroma at 1/8 by repeating it), and a
    /// restart interval, which is left to libjpeg; files made by libjpeg-turbo's cjpeg.
    @Test(.enabled(if: ExternalTools.hasCjpeg, Comment(rawValue: "cjpeg (libjpeg-turbo-progs) is not installed")))
    func otherSamplingsAndRestartsFromCjpeg() throws {
        let picture = ProgressiveFixtures.picture()
        for sampling in ["1x1", "2x1", "1x2", "2x2"] {
            let bytes = try ExternalTools.encodeWithCjpeg(picture, ["-progressive", "-quality", "90", "-sample", sampling])
            let (libjpeg, _) = try LibJPEG.decodeDCScans(bytes, path: "p.jpg", failOn: .truncated)
            let here = try #require(JPEGDCDecoder(bytes), "\(sampling)")
            #expect(here.pixels == libjpeg.pixels, "\(sampling): mean difference \(Fixtures.meanDifference(here.pixels, libjpeg.pixels))")
        }
        let restarts = try ExternalTools.encodeWithCjpeg(picture, ["-progressive", "-restart", "2"])
        #expect(JPEGDCDecoder(restarts) == nil)
        let thumbnail = try Thumbnailer.thumbnail(bytes: restarts, path: "r.jpg", options: .size(32))
        #expect(thumbnail.decisions[0].contains("decoded by libjpeg"), "\(thumbnail.decisions)")
    }

    /// Whatever is not plain goes to libjpeg: an ICC profile, a damaged DC scan, a file cut inside it,
    /// extra bytes before the next marker, an Adobe marker.
    @Test func anythingButPlainGoesToLibjpeg() throws {
        let bytes = try ProgressiveFixtures.file("libjpeg default")
        #expect(JPEGDCDecoder(bytes) != nil)
        let withICC = try ImageEncoder.encode(ProgressiveFixtures.picture(), as: .jpeg, options: EncodeOptions(quality: 80, progressive: true),
                                              iccProfile: [UInt8](repeating: 7, count: 200))
        #expect(JPEGDCDecoder(withICC) == nil)
        // The first scan's data starts after its header; damage inside it, or cut inside it.
        let sos = try #require((0..<(bytes.count - 1)).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xDA })
        let data = sos + 2 + (Int(bytes[sos + 2]) << 8 | Int(bytes[sos + 3]))
        #expect(JPEGDCDecoder(Array(bytes[0..<(data + 50)])) == nil)
        var damaged = bytes
        for offset in data..<(data + 40) { damaged[offset] = 0xFF == damaged[offset] ? 0xFF : 0xFE }
        if let decoded = JPEGDCDecoder(damaged) {
            // Codes that still decode: then the picture is libjpeg's too.
            #expect(decoded.pixels == (try LibJPEG.decodeDCScans(damaged, path: "d.jpg", failOn: .none)).0.pixels)
        }
        // Two extraneous bytes before the second scan's marker (libjpeg warns of them).
        let next = try #require(((data + 1)..<(bytes.count - 1)).first { bytes[$0] == 0xFF && bytes[$0 + 1] != 0 && !(0xD0...0xD7).contains(bytes[$0 + 1]) })
        let extraneous = Array(bytes[0..<next]) + [0x12, 0x34] + Array(bytes[next...])
        #expect(JPEGDCDecoder(extraneous) == nil)
        // A scan that names DC table 5 (there are four): found by the fuzzer, which then hit a bounds check.
        var table5 = bytes
        table5[sos + 6] = 0x50 | (table5[sos + 6] & 0x0F)
        #expect(JPEGDCDecoder(table5) == nil)
        let adobe = Array(bytes[0..<2]) + [0xFF, 0xEE, 0, 14] + Array("Adobe".utf8) + [0, 100, 0, 0, 0, 0, 1] + Array(bytes[2...])
        #expect(JPEGDCDecoder(adobe) == nil)
    }

    /// libjpeg's post-IDCT range table: clamped within ±384 of the range, wrapped beyond.
    @Test func dcSamplesFollowLibjpegsRangeTable() {
        #expect(JPEGDCDecoder.sample(0) == 128)
        #expect(JPEGDCDecoder.sample(-1024) == 0 && JPEGDCDecoder.sample(1016) == 255)
        #expect(JPEGDCDecoder.sample(4 * 8) == 132 && JPEGDCDecoder.sample(-4 * 8) == 124)
        #expect(JPEGDCDecoder.sample(600 * 8) == 0 && JPEGDCDecoder.sample(-600 * 8) == 255)
    }

    /// How far each script is read: only up to its last DC scan.
    @Test func readsOnlyUpToTheDCScans() throws {
        let expectations: [(String, refinement: Bool, scans: Int, refined: Bool)] = [
            ("libjpeg default", false, 1, false), ("libjpeg default", true, 7, true),
            ("mozjpeg split DC", false, 5, true), ("refined DC first", false, 1, false),
            ("refined DC first", true, 3, true), ("90 scans", false, 1, true),
        ]
        for (script, refinement, scans, refined) in expectations {
            let bytes = try ProgressiveFixtures.file(script)
            let (_, read) = try LibJPEG.decodeDCScans(bytes, path: "p.jpg", failOn: .warning, waitForRefinement: refinement)
            #expect(read.scansRead == scans && read.refined == refined, "\(script), waiting \(refinement): \(read)")
        }
    }

    /// The thumbnail from the DC scans (the default) and from every scan (`--fail-on error`) agree closely.
    /// In grey, what differs is only the DC's last bit(s) where a refinement scan is not read.
    @Test(arguments: ["libjpeg default", "refined DC first", "90 scans"])
    func greyDCThumbnailAgreesWithTheAllScansThumbnail(script: String) throws {
        let (mean, worst) = try Self.dcAgainstAllScans(ProgressiveFixtures.file(script, grey: true), side: 48)
        #expect(mean <= 1.5 && worst <= 4, "\(script): mean \(mean), max \(worst)")
    }

    /// In colour with 4:2:0 chroma at the limit where its DC grid (one value per 16×16 pixels) is the
    /// target size, the all-scans picture also has the chroma detail its first AC coefficients give at 1/8;
    /// this fixture's hard coloured edges make that the largest part of the difference.
    @Test(arguments: scripts)
    func colourDCThumbnailStaysCloseToTheAllScansThumbnail(script: String) throws {
        let (mean, worst) = try Self.dcAgainstAllScans(ProgressiveFixtures.file(script), side: 32)
        #expect(mean <= 3.5 && worst <= 16, "\(script): mean \(mean), max \(worst)")
    }

    /// Mean and largest sample difference between the DC-path thumbnail and the all-scans one.
    static func dcAgainstAllScans(_ bytes: [UInt8], side: Int) throws -> (Double, Int) {
        let dc = try Thumbnailer.thumbnail(bytes: bytes, path: "p.jpg", options: .size(side))
        #expect(dc.decisions[0].hasPrefix("loader: jpeg, DC scans only"), "\(dc.decisions)")
        var strict = ThumbnailOptions.size(side)
        strict.failOn = .error
        let all = try Thumbnailer.thumbnail(bytes: bytes, path: "p.jpg", options: strict)
        #expect(all.decisions[0].contains("DCT scale 1/8") && all.decisions[0].contains("--fail-on error reads every scan"))
        #expect(dc.pixels.width == side && all.pixels.width == side && dc.pixels.height == all.pixels.height)
        return (Fixtures.meanDifference(dc.pixels, all.pixels), Fixtures.maxDifference(dc.pixels, all.pixels))
    }

    /// Where 4:2:0 chroma's DC grid (one value per 16×16 pixels) is smaller than the target, every scan
    /// is read: libjpeg rebuilds that chroma at 1/8 from its first AC coefficients too.
    @Test func halfResolutionChromaNeedsItsACScans() throws {
        let bytes = try ProgressiveFixtures.file("libjpeg default")
        #expect(JPEGScanMap(bytes).coarsestDCGrid(width: 512, height: 384) == (32, 24))
        let thumbnail = try Thumbnailer.thumbnail(bytes: bytes, path: "p.jpg", options: .size(48))
        #expect(thumbnail.decisions[0] == "loader: jpeg, DCT scale 1/8 → 64×48 (all scans: the chroma's DC alone, 32×24, is smaller than the target)")
        let grey = try Thumbnailer.thumbnail(bytes: ProgressiveFixtures.file("libjpeg default", grey: true), path: "g.jpg", options: .size(48))
        #expect(grey.decisions[0].hasPrefix("loader: jpeg, DC scans only"), "\(grey.decisions)")
    }

    @Test func tooManyScansAreRefusedByEveryDecode() throws {
        let bytes = try ProgressiveFixtures.file("568 scans")
        #expect(JPEGScanMap(bytes).scans == 568)
        let refusal = DecodeError.tooManyScans(path: "many.jpg", limit: LibJPEG.scanLimit)
        #expect(refusal.description.hasPrefix("many.jpg: JPEG refused: more than 500 scans"))
        #expect(throws: refusal) { try ImageDecoder.decode(bytes: bytes, path: "many.jpg") }
        for failOn in FailOn.allCases {
            var options = ThumbnailOptions.size(48)
            options.failOn = failOn
            #expect(throws: refusal) { try Thumbnailer.thumbnail(bytes: bytes, path: "many.jpg", options: options) }
        }
        // The limit itself decodes.
        let baseline = try ImageEncoder.encode(ProgressiveFixtures.picture(), as: .jpeg)
        let scans = ProgressiveFixtures.manyScans(bits: 3, count: LibJPEG.scanLimit)
        #expect(scans.count == LibJPEG.scanLimit)
        let limit = try LibJPEG.rescan(baseline, scans: scans, path: "limit.jpg")
        #expect(try ImageDecoder.decode(bytes: limit, path: "limit.jpg").pixels.width == 512)
    }

    /// Cut anywhere, a file still fails under the default strictness, since it has no end marker; with
    /// `--fail-on none` a file cut after its DC scans makes its thumbnail from them.
    @Test(arguments: [0.05, 0.3, 0.7, 0.99])
    func truncatedProgressiveFilesStillFail(fraction: Double) throws {
        let whole = try ProgressiveFixtures.file("libjpeg default")
        let cut = Array(whole[0..<Int(Double(whole.count) * fraction)])
        #expect(!JPEGScanMap(cut).reachesEndOfImage)
        #expect {
            try Thumbnailer.thumbnail(bytes: cut, path: "cut.jpg", options: .size(48))
        } throws: { error in
            guard case DecodeError.truncated(path: "cut.jpg", format: .jpeg, _) = error else { return false }
            return true
        }
        if fraction >= 0.3 {
            var lenient = ThumbnailOptions.size(32)
            lenient.failOn = .none
            let thumbnail = try Thumbnailer.thumbnail(bytes: cut, path: "cut.jpg", options: lenient)
            #expect(thumbnail.decisions[0].hasPrefix("loader: jpeg, DC scans only"))
        }
    }

    /// Bytes after the end marker (as some cameras append) are ignored, as by a full decode.
    @Test func trailingBytesAfterTheEndMarkerKeepTheDCPath() throws {
        let bytes = try ProgressiveFixtures.file("libjpeg default") + [0, 0, 0x12, 0x34]
        #expect(JPEGScanMap(bytes).reachesEndOfImage)
        let thumbnail = try Thumbnailer.thumbnail(bytes: bytes, path: "p.jpg", options: .size(32))
        #expect(thumbnail.decisions[0].hasPrefix("loader: jpeg, DC scans only (1 of 10 scans"), "\(thumbnail.decisions)")
    }

    /// Only where the 1/8 picture still covers the target, and never for baseline files.
    @Test func dcPathNeedsAProgressiveFileAndRoom() throws {
        let progressive = try ProgressiveFixtures.file("libjpeg default")
        let tooBig = try Thumbnailer.thumbnail(bytes: progressive, path: "p.jpg", options: .size(100))
        #expect(tooBig.decisions[0].hasPrefix("loader: jpeg, DCT scale 1/2"), "\(tooBig.decisions)")
        let baseline = try ImageEncoder.encode(ProgressiveFixtures.picture(), as: .jpeg)
        let plain = try Thumbnailer.thumbnail(bytes: baseline, path: "b.jpg", options: .size(48))
        #expect(plain.decisions[0].hasPrefix("loader: jpeg, DCT scale 1/4"), "\(plain.decisions)")
    }
}
