import ImageCore
import VicSee

extension Verifier {
    /// Verifies an upscaled output: a whole image at the strictest level, its real format, exactly
    /// `factor` times `source` on each edge (within `tolerance`), and not blank unless allowed.
    /// `decoded` is the file already decoded at the strictest level, when it was just downloaded.
    public static func verifyUpscale(path: String, source: PixelSize, factor: Int, tolerance: Double = 0, allowBlank: Bool = false,
                                     decoded: Result<DecodedImage, any Error>? = nil) -> VerifyResult {
        var result = verify(path: path, expectation: nil, decoded: decoded)
        guard let width = result.width, let height = result.height else { return result }
        let received = PixelSize(width: width, height: height)
        if !received.matches(PixelSize(width: source.width * factor, height: source.height * factor), tolerance: tolerance) {
            result.problems.append(.upscaleSize(factor: factor, source: source, received: received))
        }
        if !allowBlank, let image = try? (decoded ?? Result { try ImageDecoder.decode(path: result.renamedTo ?? path, options: DecodeOptions(failOn: .warning)) }).get(),
            isBlank(image.pixels)
        {
            result.problems.append(.blank)
        }
        return result
    }
}
