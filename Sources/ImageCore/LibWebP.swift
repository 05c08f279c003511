import CWebP

/// Every call into libwebp goes through here. libwebp reports failures by return value, so unlike
/// libjpeg and libpng it needs no C shim.
enum LibWebP {
    /// Decodes a whole WebP held in `bytes`. An animated file gives its first frame, composed on the
    /// canvas; `--fail-on none` keeps the rows of a truncated file that could be decoded.
    /// `scaledTo` asks libwebp to shrink while decoding (its area-averaging rescaler), which spares the
    /// colour conversion and memory of the full size; animations are always decoded at full size.
    /// `forThumbnail` lets libwebp filter on a second thread and skip the in-loop deblocking filter, whose
    /// effect vanishes in a 4× or larger reduction; both only when scaling.
    /// The picture and libwebp's own buffers together stay within `memoryLimit` bytes (see `storeBytes`).
    static func decode(_ bytes: [UInt8], path: String, failOn: FailOn, info: ImageInfo,
                       scaledTo: (width: Int, height: Int)? = nil, forThumbnail: Bool = false,
                       memoryLimit: Int = ImageLimits.ceilingMemory) throws -> RawDecode {
        let icc = RIFFChunks.payload(named: "ICCP", in: bytes)
        let pixels = try bytes.withUnsafeBufferPointer { data throws -> PixelBuffer in
            if info.isAnimated { return try firstFrame(data, path: path, memoryLimit: memoryLimit) }
            var config = WebPDecoderConfig()
            guard WebPInitDecoderConfig(&config) != 0 else {
                throw DecodeError.failed(path: path, format: .webp, detail: "libwebp version mismatch")
            }
            let status = WebPGetFeatures(data.baseAddress, data.count, &config.input)
            guard status == VP8_STATUS_OK else { throw error(status, path: path) }
            var width = Int(config.input.width), height = Int(config.input.height)
            let store = storeBytes(width: width, height: height, features: config.input)
            if let scaledTo, scaledTo.width < width, scaledTo.height < height {
                config.options.use_scaling = 1
                config.options.scaled_width = Int32(scaledTo.width)
                config.options.scaled_height = Int32(scaledTo.height)
                if forThumbnail {
                    config.options.use_threads = 1
                    config.options.bypass_filtering = scaledTo.width * 4 <= width ? 1 : 0
                }
                width = scaledTo.width
                height = scaledTo.height
            }
            // Lossless data can carry alpha its header does not announce (the flag is only a hint, and
            // libwebp's own tools ignore it): decode RGBA and drop alpha afterwards if it is all opaque.
            let lossless = config.input.format == 2
            let layout: PixelLayout = config.input.has_alpha != 0 || lossless ? .rgba : .rgb
            let rowBytes = width * layout.channels
            let count = rowBytes * height
            // A lossless file whose alpha turns out opaque is copied to RGB at the end.
            let needed = store + count + (lossless && config.input.has_alpha == 0 ? width * height * 3 : 0)
            guard needed <= memoryLimit else { throw DecodeError.tooMuchMemory(path: path, bytes: needed, limit: memoryLimit) }
            let lenient = failOn == .none
            var result = VP8_STATUS_OK
            let samples = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                HugePages.advise(buffer)
                if lenient { buffer.initialize(repeating: 0) }
                config.output.colorspace = layout == .rgba ? MODE_RGBA : MODE_RGB
                config.output.is_external_memory = 1
                config.output.u.RGBA.rgba = buffer.baseAddress
                config.output.u.RGBA.stride = Int32(rowBytes)
                config.output.u.RGBA.size = count
                if lenient {
                    // The incremental decoder keeps the rows it managed before the data ran out.
                    if let incremental = WebPIDecode(nil, 0, &config) {
                        result = WebPIUpdate(incremental, data.baseAddress, data.count)
                        WebPIDelete(incremental)
                    } else {
                        result = VP8_STATUS_OUT_OF_MEMORY
                    }
                } else {
                    result = WebPDecode(data.baseAddress, data.count, &config)
                }
                WebPFreeDecBuffer(&config.output)
                initialized = count
            }
            if result != VP8_STATUS_OK && !(lenient && result == VP8_STATUS_SUSPENDED) {
                throw error(result, path: path)
            }
            let decoded = PixelBuffer(width: width, height: height, layout: layout, pixels: samples)
            if lossless && config.input.has_alpha == 0 && isOpaque(decoded) { return decoded.converted(to: .rgb) }
            return decoded
        }
        return RawDecode(pixels: pixels, iccProfile: icc, warnings: [])
    }

    /// Decodes every pixel of a whole WebP with the strictness and errors of `decode`, but hands the rows
    /// to libwebp's rescaler, which folds them into a picture of a few pixels: what is held is libwebp's
    /// own (a few rows for lossy data, the ARGB picture for lossless, the canvases of an animation), not
    /// the picture. Returns the warnings the policy let through (libwebp has none).
    static func check(_ bytes: [UInt8], path: String, failOn: FailOn, info: ImageInfo, memoryLimit: Int) throws -> [String] {
        let tiny = (width: min(info.storedWidth, 4), height: min(info.storedHeight, 4))
        return try decode(bytes, path: path, failOn: failOn, info: info, scaledTo: tiny, memoryLimit: memoryLimit).warnings
    }

    /// What libwebp allocates besides the output, from the features: the ARGB picture of lossless data
    /// (4 bytes a pixel, with a few cache rows), the alpha plane of lossy data with alpha, and for every
    /// kind a few rows and the decoder's tables, generously.
    private static func storeBytes(width: Int, height: Int, features: WebPBitstreamFeatures) -> Int {
        let working = (1 << 20) + 64 * width
        if features.format == 2 { return working + width * (height + 32) * 4 }
        return working + (features.has_alpha != 0 ? width * height : 0)
    }

    private static func isOpaque(_ buffer: PixelBuffer) -> Bool {
        buffer.pixels.withUnsafeBufferPointer { samples in
            var index = 3
            while index < samples.count {
                if samples[index] != 255 { return false }
                index += 4
            }
            return true
        }
    }

    /// The first frame, composed on the canvas. libwebp's animation decoder keeps two canvases (this
    /// frame and the last), and the frame is copied out: three canvases of RGBA in all.
    private static func firstFrame(_ data: UnsafeBufferPointer<UInt8>, path: String, memoryLimit: Int) throws -> PixelBuffer {
        var features = WebPBitstreamFeatures()
        let status = WebPGetFeatures(data.baseAddress, data.count, &features)
        guard status == VP8_STATUS_OK else { throw error(status, path: path) }
        let needed = 3 * 4 * Int(features.width) * Int(features.height) + storeBytes(width: Int(features.width), height: Int(features.height), features: features)
        guard needed <= memoryLimit else { throw DecodeError.tooMuchMemory(path: path, bytes: needed, limit: memoryLimit) }
        var options = WebPAnimDecoderOptions()
        guard WebPAnimDecoderOptionsInit(&options) != 0 else {
            throw DecodeError.failed(path: path, format: .webp, detail: "libwebp version mismatch")
        }
        options.color_mode = MODE_RGBA
        options.use_threads = 0
        var webpData = WebPData(bytes: data.baseAddress, size: data.count)
        guard let decoder = WebPAnimDecoderNew(&webpData, &options) else {
            throw animationError(data, path: path)
        }
        defer { WebPAnimDecoderDelete(decoder) }
        var animation = WebPAnimInfo()
        guard WebPAnimDecoderGetInfo(decoder, &animation) != 0 else { throw animationError(data, path: path) }
        var frame: UnsafeMutablePointer<UInt8>?
        var timestamp: Int32 = 0
        guard WebPAnimDecoderGetNext(decoder, &frame, &timestamp) != 0, let frame else {
            throw animationError(data, path: path)
        }
        let width = Int(animation.canvas_width), height = Int(animation.canvas_height)
        return PixelBuffer(
            width: width, height: height, layout: .rgba,
            pixels: Array(UnsafeBufferPointer(start: frame, count: width * height * 4)))
    }

    /// The animation decoder gives no reason for a failure; a file shorter than its RIFF header says is
    /// truncated, anything else is damaged.
    private static func animationError(_ data: UnsafeBufferPointer<UInt8>, path: String) -> DecodeError {
        if let declared = RIFFChunks.declaredLength(data), declared > data.count {
            return .truncated(path: path, format: .webp, detail: "\(data.count) of \(declared) bytes present")
        }
        return .corrupt(path: path, format: .webp, detail: "the animation cannot be decoded")
    }

    private static func error(_ status: VP8StatusCode, path: String) -> DecodeError {
        switch status {
        case VP8_STATUS_NOT_ENOUGH_DATA, VP8_STATUS_SUSPENDED:
            .truncated(path: path, format: .webp, detail: "not enough data")
        case VP8_STATUS_BITSTREAM_ERROR:
            .corrupt(path: path, format: .webp, detail: "bitstream error")
        case VP8_STATUS_UNSUPPORTED_FEATURE:
            .failed(path: path, format: .webp, detail: "unsupported feature")
        case VP8_STATUS_OUT_OF_MEMORY:
            .outOfMemory(path: path, bytes: 0)
        default:
            .failed(path: path, format: .webp, detail: "libwebp status \(status.rawValue)")
        }
    }

    /// Encodes lossy (`quality` 0-100) or lossless; grey is widened to RGB, which WebP stores anyway.
    /// An ICC profile needs the extended container, which libwebpmux assembles.
    static func encode(_ buffer: PixelBuffer, quality: Int, lossless: Bool, icc: [UInt8]?, path: String) throws -> [UInt8] {
        let source = buffer.converted(to: buffer.layout.hasAlpha ? .rgba : .rgb)
        var config = WebPConfig()
        var picture = WebPPicture()
        guard WebPConfigInit(&config) != 0, WebPPictureInit(&picture) != 0 else {
            throw EncodeError.failed(path: path, format: .webp, detail: "libwebp version mismatch")
        }
        config.lossless = lossless ? 1 : 0
        config.quality = Float(quality)
        config.method = lossless ? 2 : 4
        if source.layout.hasAlpha { config.exact = 0 }
        picture.use_argb = lossless ? 1 : 0
        picture.width = Int32(source.width)
        picture.height = Int32(source.height)
        defer { WebPPictureFree(&picture) }
        let imported = source.pixels.withUnsafeBufferPointer { pixels in
            source.layout == .rgba
                ? WebPPictureImportRGBA(&picture, pixels.baseAddress, Int32(source.rowBytes))
                : WebPPictureImportRGB(&picture, pixels.baseAddress, Int32(source.rowBytes))
        }
        guard imported != 0 else { throw EncodeError.failed(path: path, format: .webp, detail: "out of memory") }
        var writer = WebPMemoryWriter()
        WebPMemoryWriterInit(&writer)
        defer { WebPMemoryWriterClear(&writer) }
        picture.writer = WebPMemoryWrite
        // The writer's address is only valid inside this closure, so the encode that writes through it
        // runs inside it too, and the picture forgets the address before the closure ends.
        let encodedOK = withUnsafeMutablePointer(to: &writer) { writerPointer in
            picture.custom_ptr = UnsafeMutableRawPointer(writerPointer)
            defer { picture.custom_ptr = nil }
            return WebPEncode(&config, &picture) != 0
        }
        guard encodedOK, let encoded = writer.mem else {
            throw EncodeError.failed(path: path, format: .webp, detail: "encoder error \(picture.error_code.rawValue)")
        }
        let plain = Array(UnsafeBufferPointer(start: encoded, count: writer.size))
        guard let icc, !icc.isEmpty else { return plain }
        return try withICC(plain, icc: icc, path: path)
    }

    private static func withICC(_ plain: [UInt8], icc: [UInt8], path: String) throws -> [UInt8] {
        guard let mux = WebPMuxNew() else { throw EncodeError.failed(path: path, format: .webp, detail: "out of memory") }
        defer { WebPMuxDelete(mux) }
        var assembled = WebPData()
        let status = plain.withUnsafeBufferPointer { image in
            icc.withUnsafeBufferPointer { profile in
                var imageData = WebPData(bytes: image.baseAddress, size: image.count)
                var profileData = WebPData(bytes: profile.baseAddress, size: profile.count)
                guard WebPMuxSetImage(mux, &imageData, 1) == WEBP_MUX_OK,
                    WebPMuxSetChunk(mux, "ICCP", &profileData, 1) == WEBP_MUX_OK
                else { return WEBP_MUX_BAD_DATA }
                return WebPMuxAssemble(mux, &assembled)
            }
        }
        guard status == WEBP_MUX_OK, let bytes = assembled.bytes else {
            throw EncodeError.failed(path: path, format: .webp, detail: "cannot add the ICC profile (mux status \(status.rawValue))")
        }
        defer { WebPDataClear(&assembled) }
        return Array(UnsafeBufferPointer(start: bytes, count: assembled.size))
    }
}

/// Walks the chunks of a RIFF (WebP) file held in memory.
enum RIFFChunks {
    /// The payload of the first chunk with this four-character code, or nil.
    static func payload(named fourCC: String, in bytes: [UInt8]) -> [UInt8]? {
        let code = Array(fourCC.utf8)
        var offset = 12
        while offset + 8 <= bytes.count {
            let size = Int(bytes[offset + 4]) | Int(bytes[offset + 5]) << 8 | Int(bytes[offset + 6]) << 16
                | Int(bytes[offset + 7]) << 24
            if bytes[offset..<offset + 4].elementsEqual(code) {
                guard offset + 8 + size <= bytes.count else { return nil }
                return Array(bytes[offset + 8..<offset + 8 + size])
            }
            offset += 8 + size + (size & 1)
        }
        return nil
    }

    /// The file length the RIFF header declares (its size field plus the 8 bytes before it).
    static func declaredLength(_ data: UnsafeBufferPointer<UInt8>) -> Int? {
        guard data.count >= 8 else { return nil }
        return (Int(data[4]) | Int(data[5]) << 8 | Int(data[6]) << 16 | Int(data[7]) << 24) + 8
    }
}
