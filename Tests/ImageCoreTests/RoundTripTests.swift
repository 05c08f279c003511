import Testing
@testable import ImageCore

/// Encode in code, decode again, compare: every layout through every format.
@Suite struct RoundTripTests {
    @Test(arguments: [PixelLayout.grey, .greyAlpha, .rgb, .rgba])
    func pngIsLossless(layout: PixelLayout) throws {
        let picture = Fixtures.picture(layout: layout)
        let decoded = try ImageDecoder.decode(bytes: Fixtures.encoded(.png, picture), path: "mem.png")
        #expect(decoded.pixels == picture)
        #expect(decoded.info.hasAlpha == layout.hasAlpha)
        #expect(decoded.info.colorModel == (layout.isColor ? .rgb : .grey))
    }

    @Test(arguments: [PixelLayout.rgb, .rgba])
    func losslessWebPIsExact(layout: PixelLayout) throws {
        let picture = Fixtures.picture(layout: layout)
        let bytes = try Fixtures.encoded(.webp, picture, options: EncodeOptions(lossless: true))
        let decoded = try ImageDecoder.decode(bytes: bytes, path: "mem.webp")
        #expect(decoded.pixels.layout == layout)
        if layout == .rgba {
            // Fully transparent pixels may have any colour: compare alpha everywhere, colour where opaque.
            for index in 0..<picture.width * picture.height {
                let a = picture.pixels[index * 4 + 3]
                #expect(decoded.pixels.pixels[index * 4 + 3] == a)
                if a == 255 {
                    #expect(decoded.pixels.pixels[index * 4..<index * 4 + 3] == picture.pixels[index * 4..<index * 4 + 3])
                }
            }
        } else {
            #expect(decoded.pixels == picture)
        }
    }

    @Test func lossyWebPIsClose() throws {
        let picture = Fixtures.picture(width: 128, height: 96)
        let decoded = try ImageDecoder.decode(
            bytes: Fixtures.encoded(.webp, picture, options: EncodeOptions(quality: 95)), path: "mem.webp")
        #expect(decoded.pixels.layout == .rgb)
        #expect(Fixtures.meanDifference(decoded.pixels, picture) < 3)
    }

    @Test(arguments: [false, true])
    func jpegIsClose(progressive: Bool) throws {
        let picture = Fixtures.picture(width: 128, height: 96)
        let bytes = try Fixtures.encoded(.jpeg, picture, options: EncodeOptions(quality: 95, progressive: progressive))
        let decoded = try ImageDecoder.decode(bytes: bytes, path: "mem.jpg")
        #expect(decoded.info.isProgressive == progressive)
        #expect(decoded.pixels.layout == .rgb)
        #expect(Fixtures.meanDifference(decoded.pixels, picture) < 3)
    }

    @Test func greyJPEGStaysGrey() throws {
        let picture = Fixtures.picture(layout: .grey)
        let decoded = try ImageDecoder.decode(bytes: Fixtures.encoded(.jpeg, picture), path: "mem.jpg")
        #expect(decoded.info.colorModel == .grey)
        #expect(decoded.pixels.layout == .grey)
        #expect(Fixtures.meanDifference(decoded.pixels, picture) < 3)
    }

    @Test func jpegFlattensAlphaOntoTheBackground() throws {
        let picture = Fixtures.picture(layout: .rgba)
        let bytes = try Fixtures.encoded(.jpeg, picture, options: EncodeOptions(quality: 100, background: .white))
        let decoded = try ImageDecoder.decode(bytes: bytes, path: "mem.jpg")
        // The right half is fully transparent, so it comes out white.
        let pixel = decoded.pixels[picture.width - 2, picture.height / 2]
        #expect(pixel.allSatisfy { $0 > 245 })
    }

    /// Adobe writers store CMYK inverted (255 = no ink) and mark it with APP14; libjpeg writes that marker
    /// for CMYK. Pure ink colours must come back as the right RGB.
    @Test func adobeCMYKComesOutWithTheRightColours() throws {
        let width = 32, height = 16
        // Left half: cyan ink only -> (0, 255, 255). Right half: magenta + yellow -> red (255, 0, 0).
        var cmyk = [UInt8]()
        for _ in 0..<height {
            for x in 0..<width {
                let ink: [Int] = x < width / 2 ? [255, 0, 0, 0] : [0, 255, 255, 0]
                cmyk += ink.map { UInt8(255 - $0) }  // inverted, as Adobe stores it
            }
        }
        let bytes = try LibJPEG.encode(cmyk, width: width, height: height, channels: 4, quality: 100,
                                       progressive: false, icc: nil, path: "cmyk.jpg")
        let info = try ImageProbe.probe(bytes: bytes, path: "cmyk.jpg")
        #expect(info.colorModel == .cmyk)
        let decoded = try ImageDecoder.decode(bytes: bytes, path: "cmyk.jpg")
        #expect(decoded.pixels.layout == .rgb)
        let cyan = decoded.pixels[4, 8], red = decoded.pixels[width - 4, 8]
        #expect(cyan[cyan.startIndex] < 10 && cyan[cyan.startIndex + 1] > 245 && cyan[cyan.startIndex + 2] > 245)
        #expect(red[red.startIndex] > 245 && red[red.startIndex + 1] < 10 && red[red.startIndex + 2] < 10)
    }

    @Test(arguments: ImageFormat.allCases)
    func iccProfileIsCarriedOver(format: ImageFormat) throws {
        let bytes = try Fixtures.encoded(format, icc: Fixtures.iccProfile)
        #expect(try ImageProbe.probe(bytes: bytes, path: "icc").hasICCProfile)
        let decoded = try ImageDecoder.decode(bytes: bytes, path: "icc")
        #expect(decoded.iccProfile == Fixtures.iccProfile)
        let plain = try ImageDecoder.decode(bytes: Fixtures.encoded(format), path: "plain")
        #expect(plain.iccProfile == nil)
    }

    @Test func invalidOptionsAreRefusedWithTheValue() throws {
        #expect(throws: EncodeError.invalidOption(path: "out.jpg", name: "quality", expected: "an integer from 1 to 100",
                                                  received: "0")) {
            try ImageEncoder.encode(Fixtures.picture(), as: .jpeg, options: EncodeOptions(quality: 0), path: "out.jpg")
        }
    }
}
