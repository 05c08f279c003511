import Foundation
import ImageCore
import VicSee

/// The pictures the simulator returns: real images of the catalogue's size, marked as simulated in their
/// metadata and by a striped band, so that none can pass for a real output.
enum SimulatedImages {
    /// The text stored in every simulated file.
    static let marker = "imagepipe simulator output - not made by VicSee"

    /// Text-to-image: a deterministic picture from the prompt (a gradient and discs seeded by its hash).
    static func render(prompt: String, width: Int, height: Int) -> PixelBuffer {
        var seed = prompt.utf8.reduce(UInt64(1469598103934665603)) { ($0 ^ UInt64($1)) &* 1099511628211 }
        func next() -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int(truncatingIfNeeded: seed >> 33)
        }
        let top = (next() & 255, next() & 255, next() & 255)
        let bottom = (next() & 255, next() & 255, next() & 255)
        let discs = (0..<6).map { _ in
            (x: next() % width, y: next() % height, r: 20 + next() % max(21, min(width, height) / 4),
             colour: (UInt8(next() & 255), UInt8(next() & 255), UInt8(next() & 255)))
        }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        pixels.withUnsafeMutableBufferPointer { out in
            for y in 0..<height {
                let t = y * 256 / max(height, 1)
                let row = (UInt8((top.0 * (256 - t) + bottom.0 * t) >> 8), UInt8((top.1 * (256 - t) + bottom.1 * t) >> 8),
                           UInt8((top.2 * (256 - t) + bottom.2 * t) >> 8))
                for x in 0..<width {
                    let i = (y * width + x) * 3
                    out[i] = row.0
                    out[i + 1] = row.1
                    out[i + 2] = row.2
                }
            }
            for disc in discs {
                let r2 = disc.r * disc.r
                for y in max(0, disc.y - disc.r)..<min(height, disc.y + disc.r) {
                    for x in max(0, disc.x - disc.r)..<min(width, disc.x + disc.r) {
                        let dx = x - disc.x, dy = y - disc.y
                        if dx * dx + dy * dy <= r2 {
                            let i = (y * width + x) * 3
                            out[i] = disc.colour.0
                            out[i + 1] = disc.colour.1
                            out[i + 2] = disc.colour.2
                        }
                    }
                }
            }
        }
        return PixelBuffer(width: width, height: height, layout: .rgb, pixels: pixels)
    }

    /// Image-to-image: the reference fitted (cover) to the output size, tinted by the prompt.
    static func edit(reference: [UInt8], prompt: String, width: Int, height: Int) throws -> PixelBuffer {
        var options = ThumbnailOptions(width: width, height: height, fit: .cover, upscale: true)
        options.limits = ImageLimits(maxBytes: nil, maxPixels: ImageLimits.defaultPixels)
        let fitted = try Thumbnailer.thumbnail(bytes: reference, path: "reference", options: options).pixels
        let rgb = fitted.converted(to: .rgb)
        let tint = render(prompt: prompt, width: 1, height: 1).pixels
        var pixels = rgb.pixels
        for index in stride(from: 0, to: pixels.count, by: 3) {
            for c in 0..<3 { pixels[index + c] = UInt8((Int(pixels[index + c]) * 3 + Int(tint[c])) / 4) }
        }
        return PixelBuffer(width: rgb.width, height: rgb.height, layout: .rgb, pixels: pixels)
    }

    /// Marks a picture as simulated with diagonal stripes along its top edge and encodes it as PNG.
    static func finish(_ picture: PixelBuffer) throws -> [UInt8] {
        var pixels = picture.pixels
        let band = max(4, picture.height / 40)
        for y in 0..<min(band, picture.height) {
            for x in 0..<picture.width {
                let i = (y * picture.width + x) * 3
                let stripe = ((x + y) / 8) % 2 == 0
                pixels[i] = stripe ? 255 : 20
                pixels[i + 1] = stripe ? 200 : 20
                pixels[i + 2] = stripe ? 0 : 20
            }
        }
        let marked = PixelBuffer(width: picture.width, height: picture.height, layout: .rgb, pixels: pixels)
        return try ImageEncoder.encode(marked, as: .png, options: EncodeOptions(compressionLevel: 1, comment: marker))
    }
}
