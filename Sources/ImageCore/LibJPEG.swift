import CJPEG

/// Every call into libjpeg-turbo goes through here (via the CJPEG shim, which owns the `setjmp`).
enum LibJPEG {
    static func failMask(_ failOn: FailOn) -> Int32 {
        switch failOn {
        case .none: 0
        case .truncated: IPJPEG_WARN_TRUNCATED
        case .error: IPJPEG_WARN_TRUNCATED | IPJPEG_WARN_CORRUPT
        case .warning: IPJPEG_WARN_TRUNCATED | IPJPEG_WARN_CORRUPT | IPJPEG_WARN_OTHER
        }
    }

    /// Decodes a whole JPEG held in `bytes` at 1/`scale` of its size (1, 2, 4 or 8). CMYK comes out as RGB.
    static func decode(_ bytes: [UInt8], path: String, failOn: FailOn, scale: Int = 1) throws -> RawDecode {
        let mask = failMask(failOn)
        guard let decoder = ipjpeg_decoder_create(mask) else {
            throw DecodeError.outOfMemory(path: path, bytes: 0)
        }
        defer { ipjpeg_decoder_destroy(decoder) }
        func failure() -> DecodeError {
            let warnings = ipjpeg_warnings(decoder)
            let message = String(cString: ipjpeg_message(decoder))
            if warnings & IPJPEG_WARN_TRUNCATED != 0 { return .truncated(path: path, format: .jpeg, detail: message) }
            if warnings & IPJPEG_WARN_CORRUPT != 0 { return .corrupt(path: path, format: .jpeg, detail: message) }
            if warnings & mask & IPJPEG_WARN_OTHER != 0 { return .warning(path: path, format: .jpeg, detail: message) }
            return .failed(path: path, format: .jpeg, detail: message)
        }
        return try bytes.withUnsafeBufferPointer { data in
            var header = ipjpeg_header()
            guard ipjpeg_read_header(decoder, data.baseAddress, data.count, &header) == 0 else { throw failure() }
            var icc: [UInt8]?
            var profile: UnsafeMutablePointer<UInt8>?
            var profileLength: UInt32 = 0
            if ipjpeg_copy_icc(decoder, &profile, &profileLength) != 0, let profile {
                icc = Array(UnsafeBufferPointer(start: profile, count: Int(profileLength)))
                ipjpeg_free(profile)
            }
            var width: UInt32 = 0
            var height: UInt32 = 0
            var channels: Int32 = 0
            guard ipjpeg_start(decoder, Int32(scale), &width, &height, &channels) == 0 else { throw failure() }
            let rowBytes = Int(width) * Int(channels)
            let count = rowBytes * Int(height)
            var failed = false
            let samples = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                HugePages.advise(buffer)
                var rows: UInt32 = 0
                failed = ipjpeg_read_rows(decoder, buffer.baseAddress, rowBytes, height, &rows) != 0
                initialized = count
            }
            guard !failed, ipjpeg_finish(decoder) == 0 else { throw failure() }
            let warnings = ipjpeg_warnings(decoder) != 0 ? [String(cString: ipjpeg_message(decoder))] : []
            let w = Int(width), h = Int(height)
            let pixels: PixelBuffer
            switch channels {
            case 1: pixels = PixelBuffer(width: w, height: h, layout: .grey, pixels: samples)
            case 4:
                // Through the file's CMYK profile when it has one (LittleCMS), else the naive formula; either
                // way the pixels are RGB now, which a CMYK profile no longer describes.
                let inverted = header.saw_adobe != 0
                pixels = icc.flatMap { ColorConversion.cmykToSRGB(samples, width: w, height: h, inverted: inverted, profile: $0) }
                    ?? cmykToRGB(samples, width: w, height: h, inverted: inverted)
                icc = nil
            default: pixels = PixelBuffer(width: w, height: h, layout: .rgb, pixels: samples)
            }
            return RawDecode(pixels: pixels, iccProfile: icc, warnings: warnings)
        }
    }

    /// See `ipjpeg_keep_large_buffers`: for batch commands only.
    static func keepLargeBuffers() {
        ipjpeg_keep_large_buffers(32 << 20)
    }

    /// Converts ink coverage to light. Adobe's writers (Photoshop and most others) store CMYK inverted,
    /// 255 meaning no ink, and say so with an APP14 marker; without it, 255 means full ink.
    static func cmykToRGB(_ samples: [UInt8], width: Int, height: Int, inverted: Bool) -> PixelBuffer {
        let count = width * height
        let rgb = [UInt8](unsafeUninitializedCapacity: count * 3) { output, initialized in
            samples.withUnsafeBufferPointer { input in
                for index in 0..<count {
                    var c = Int(input[index * 4]), m = Int(input[index * 4 + 1])
                    var y = Int(input[index * 4 + 2]), k = Int(input[index * 4 + 3])
                    if !inverted { c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k }
                    output[index * 3] = UInt8((c * k + 127) / 255)
                    output[index * 3 + 1] = UInt8((m * k + 127) / 255)
                    output[index * 3 + 2] = UInt8((y * k + 127) / 255)
                }
            }
            initialized = count * 3
        }
        return PixelBuffer(width: width, height: height, layout: .rgb, pixels: rgb)
    }

    /// Encodes grey, RGB or (for test fixtures of print files) Adobe-style CMYK samples.
    static func encode(
        _ samples: [UInt8], width: Int, height: Int, channels: Int, quality: Int, progressive: Bool,
        icc: [UInt8]?, comment: String? = nil, path: String
    ) throws -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        var length: UInt = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = samples.withUnsafeBufferPointer { pixels in
            (icc ?? []).withUnsafeBufferPointer { profile in
                ipjpeg_encode(
                    pixels.baseAddress, UInt32(width), UInt32(height), width * channels, Int32(channels),
                    Int32(quality), progressive ? 1 : 0, profile.baseAddress, UInt32(profile.count), comment, &out,
                    &length, &message)
            }
        }
        guard status == 0, let out else {
            throw EncodeError.failed(path: path, format: .jpeg, detail: text(of: message))
        }
        defer { ipjpeg_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }
}
