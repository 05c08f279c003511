import Foundation
@testable import ImageCore

/// The reference tools the colour and metadata tests compare against (installed by scripts/test.sh).
enum ExternalTools {
    static let exiftool = "/usr/bin/exiftool"
    static var hasExiftool: Bool { FileManager.default.isExecutableFile(atPath: exiftool) }

    /// libjpeg-turbo's own encoder (libjpeg-turbo-progs), for JPEGs whose chroma sampling or restart
    /// interval imagepipe's encoder does not choose.
    static let cjpeg = "/usr/bin/cjpeg"
    static var hasCjpeg: Bool { FileManager.default.isExecutableFile(atPath: cjpeg) }

    /// `picture` (RGB) through `cjpeg` with `arguments`, via a PPM file.
    static func encodeWithCjpeg(_ picture: PixelBuffer, _ arguments: [String]) throws -> [UInt8] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cjpeg-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let ppm = Array("P6\n\(picture.width) \(picture.height)\n255\n".utf8) + picture.pixels
        try Data(ppm).write(to: URL(fileURLWithPath: folder + "/in.ppm"))
        let output = try run(cjpeg, arguments + ["-outfile", folder + "/out.jpg", folder + "/in.ppm"])
        guard output.status == 0, let data = FileManager.default.contents(atPath: folder + "/out.jpg") else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "cjpeg: \(output.stderr)"])
        }
        return [UInt8](data)
    }

    static let hasPillow: Bool = (try? run("python3", ["-c", "import PIL.ImageCms"]).status) == 0

    /// A Debian-packaged profile, or nil when its package is missing.
    static func profile(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map { [UInt8]($0) }
    }

    static let adobeRGB = "/usr/share/color/icc/colord/AdobeRGB1998.icc"
    static let proPhoto = "/usr/share/color/icc/colord/ProPhotoRGB.icc"
    static let cmyk = "/usr/share/color/icc/ghostscript/default_cmyk.icc"

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ tool: String, _ arguments: [String]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// exiftool's tags for `file` ("Group:Tag" → value), read as JSON.
    static func exif(_ file: String) throws -> [String: String] {
        let output = try run(exiftool, ["-j", "-G1", "-n", file])
        guard let data = output.stdout.data(using: .utf8),
            let array = try JSONSerialization.jsonObject(with: data) as? [[String: Any]], let tags = array.first
        else { return [:] }
        return tags.mapValues { "\($0)" }
    }

    /// Pillow's ImageCms conversion of `file` (its embedded profile) to sRGB, relative colorimetric with
    /// black-point compensation, as raw RGB bytes.
    static func pillowSRGB(_ file: String) throws -> [UInt8] {
        let script = """
            import io, sys
            from PIL import Image, ImageCms
            im = Image.open(sys.argv[1])
            profile = ImageCms.ImageCmsProfile(io.BytesIO(im.info["icc_profile"]))
            srgb = ImageCms.createProfile("sRGB")
            out = ImageCms.profileToProfile(im, profile, srgb, renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
                                            outputMode="RGB", flags=ImageCms.Flags.BLACKPOINTCOMPENSATION)
            sys.stdout.buffer.write(out.convert("RGB").tobytes())
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, file]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return [UInt8](data)
    }
}
