import Foundation
import ImageCore
import VicSee

/// What an output must be: one of these sizes (within a relative tolerance).
public struct VerifyExpectation: Sendable {
    public var sizes: [(width: Int, height: Int)]
    public var tolerance: Double
    public var allowBlank: Bool
    public var label: String

    /// The catalogue's sizes for a model, tier and ratio; `auto` (or no ratio) accepts any listed ratio's size.
    public init(model: ModelSpec, resolution: ResolutionTier, aspect: AspectChoice?, tolerance: Double = 0, allowBlank: Bool = false) {
        if let aspect, case .ratio = aspect, let size = model.outputSize(aspect: aspect, tier: resolution) {
            sizes = [size]
        } else {
            sizes = model.outputSizes.values.compactMap { tiers in
                tiers[resolution.rawValue].flatMap { $0.count == 2 ? (width: $0[0], height: $0[1]) : nil }
            }
        }
        self.tolerance = tolerance
        self.allowBlank = allowBlank
        label = "\(model.id) \(resolution.rawValue) \(aspect?.description ?? "any ratio")"
    }
}

/// The verdict on one output file.
public struct VerifyResult: Sendable {
    public var path: String
    public var ok: Bool
    public var format: ImageFormat?
    public var width: Int?
    public var height: Int?
    /// Each failure, in words.
    public var problems: [String]
    /// Set when the file was named as another format and has been renamed to its real extension.
    public var renamedTo: String?
}

/// Checks outputs as they come back: a whole image (a full strict decode: truncated fails), its real
/// format (a JPEG served as .png is renamed and reported), its size against what was paid for, and not
/// blank (safety filters answer with a single-colour picture and a success status).
public enum Verifier {
    public static func verify(path: String, expectation: VerifyExpectation?) -> VerifyResult {
        var result = VerifyResult(path: path, ok: false, problems: [])
        let image: DecodedImage
        do {
            image = try ImageDecoder.decode(path: path, options: DecodeOptions(failOn: .truncated, limits: ImageLimits(maxPixels: nil)))
        } catch {
            result.problems.append((error as? FileError)?.reason ?? "\(error)")
            return result
        }
        result.format = image.info.format
        result.width = image.pixels.width
        result.height = image.pixels.height
        let name = (path as NSString).lastPathComponent
        let ext = (name as NSString).pathExtension
        if ImageFormat(fileExtension: ext) != image.info.format {
            let renamed = (path as NSString).deletingPathExtension + "." + image.info.format.fileExtension
            if rename(path, renamed) == 0 {
                result.renamedTo = renamed
                result.problems.append("named .\(ext) but is \(image.info.format.displayName): renamed to \((renamed as NSString).lastPathComponent)")
            }
        }
        if let expectation {
            let fits = expectation.sizes.contains { size in
                abs(Double(image.pixels.width - size.width)) <= Double(size.width) * expectation.tolerance
                    && abs(Double(image.pixels.height - size.height)) <= Double(size.height) * expectation.tolerance
            }
            if !fits {
                let wanted = expectation.sizes.prefix(3).map { "\($0.width)×\($0.height)" }.joined(separator: " or ")
                result.problems.append("\(image.pixels.width)×\(image.pixels.height) is not the size paid for (\(expectation.label): \(wanted)"
                    + (expectation.sizes.count > 3 ? ", …" : "") + ")")
            }
            if !expectation.allowBlank, isBlank(image.pixels) {
                result.problems.append("blank: a single colour, as safety filters return")
            }
        }
        // A rename alone is reported but does not fail the file.
        result.ok = result.problems.allSatisfy { $0.hasPrefix("named .") }
        return result
    }

    /// True when every sampled pixel is within 2 levels of the first: one flat colour.
    static func isBlank(_ pixels: PixelBuffer) -> Bool {
        let channels = pixels.layout.channels
        let colour = pixels.layout.hasAlpha ? channels - 1 : channels
        let step = max(1, (pixels.width * pixels.height) / 20_000)
        let first = Array(pixels.pixels[0..<colour])
        var index = 0
        while index < pixels.width * pixels.height {
            let base = index * channels
            for c in 0..<colour where abs(Int(pixels.pixels[base + c]) - Int(first[c])) > 2 { return false }
            index += step
        }
        return true
    }
}
