import CPNG

/// Every call into libpng goes through here (via the CPNG shim, which owns the `setjmp`).
enum LibPNG {
    static func failMask(_ failOn: FailOn) -> Int32 {
        switch failOn {
        case .none: 0
        case .truncated: IPPNG_WARN_TRUNCATED
        case .error: IPPNG_WARN_TRUNCATED | IPPNG_WARN_CORRUPT
        case .warning: IPPNG_WARN_TRUNCATED | IPPNG_WARN_CORRUPT | IPPNG_WARN_OTHER
        }
    }

    /// Decodes a whole PNG held in `bytes`: palettes and tRNS expanded, 16 bits scaled to 8, grey kept grey.
    /// The picture and libpng's row buffers together stay within `memoryLimit` bytes.
    static func decode(_ bytes: [UInt8], path: String, failOn: FailOn, memoryLimit: Int = ImageLimits.ceilingMemory) throws
        -> RawDecode
    {
        try bytes.withUnsafeBufferPointer { data in
            guard let decoder = ippng_decoder_create(data.baseAddress, data.count, failMask(failOn)) else {
                throw DecodeError.outOfMemory(path: path, bytes: 0)
            }
            defer { ippng_decoder_destroy(decoder) }
            func failure() -> DecodeError { error(decoder, path: path) }
            let (header, icc, layout) = try readHeader(decoder, path: path)
            let width = Int(header.width), height = Int(header.height)
            let rowBytes = width * layout.channels
            let count = rowBytes * height
            let needed = count + workingBytes(rowBytes: rowBytes)
            guard needed <= memoryLimit else { throw DecodeError.tooMuchMemory(path: path, bytes: needed, limit: memoryLimit) }
            var failed = false
            // With `--fail-on none` a damaged file still yields a picture: start from zero so that rows the
            // decoder never reached are black (or transparent), not leftover memory.
            let lenient = failOn == .none
            let samples = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                HugePages.advise(buffer)
                if lenient { buffer.initialize(repeating: 0) }
                var rows: UInt32 = 0
                failed = ippng_read_image(decoder, buffer.baseAddress, rowBytes, &rows) != 0
                initialized = count
            }
            if failed && !lenient { throw failure() }
            if !failed && !lenient && ippng_finish(decoder) != 0 { throw failure() }
            var warnings = ippng_warnings(decoder) != 0 ? [String(cString: ippng_message(decoder))] : []
            if failed { warnings.append(String(cString: ippng_message(decoder))) }
            return RawDecode(
                pixels: PixelBuffer(width: width, height: height, layout: layout, pixels: samples), iccProfile: icc,
                warnings: warnings)
        }
    }

    /// Decodes every row of a whole PNG with the strictness and errors of `decode`, into one row written
    /// over and over; an interlaced file's passes are read as stored, so it too needs one row, not the
    /// picture. Returns the warnings the policy let through.
    static func check(_ bytes: [UInt8], path: String, failOn: FailOn, memoryLimit: Int) throws -> [String] {
        try bytes.withUnsafeBufferPointer { data in
            guard let decoder = ippng_decoder_create(data.baseAddress, data.count, failMask(failOn)) else {
                throw DecodeError.outOfMemory(path: path, bytes: 0)
            }
            defer { ippng_decoder_destroy(decoder) }
            ippng_keep_passes_apart(decoder)
            let (header, _, layout) = try readHeader(decoder, path: path)
            let rowBytes = Int(header.width) * layout.channels
            let needed = rowBytes + workingBytes(rowBytes: rowBytes)
            guard needed <= memoryLimit else { throw DecodeError.tooMuchMemory(path: path, bytes: needed, limit: memoryLimit) }
            let lenient = failOn == .none
            var row = [UInt8](repeating: 0, count: rowBytes)
            let failed = row.withUnsafeMutableBufferPointer { ippng_check_rows(decoder, $0.baseAddress) != 0 }
            if failed && !lenient { throw error(decoder, path: path) }
            if !failed && !lenient && ippng_finish(decoder) != 0 { throw error(decoder, path: path) }
            var warnings = ippng_warnings(decoder) != 0 ? [String(cString: ippng_message(decoder))] : []
            if failed { warnings.append(String(cString: ippng_message(decoder))) }
            return warnings
        }
    }

    /// What libpng holds besides the picture: its current and previous rows (with a filter byte each),
    /// the interlace row, the zlib window and tables, generously.
    private static func workingBytes(rowBytes: Int) -> Int {
        (1 << 20) + 8 * rowBytes
    }

    /// Decodes a PNG band by band without holding the whole image: `start` learns the size and layout and
    /// answers how many rows a band has; `consume` receives each band. An interlaced file, which cannot
    /// be streamed, is decoded whole and then handed over in bands. Under `--fail-on none` or `truncated`
    /// zlib's Adler-32 of the image data is not computed (see `ippng_skip_adler32`): each chunk's CRC
    /// already guards those bytes; `error` and `warning` keep it. A plain file's image data is read past
    /// libpng, by `PNGRowPipeline` (`pipelined` then says so), which falls back to libpng at any fault.
    static func stream(
        _ bytes: [UInt8], path: String, failOn: FailOn,
        start: (_ width: Int, _ height: Int, _ layout: PixelLayout) -> Int,
        consume: (UnsafePointer<UInt8>, Int) -> Void
    ) throws -> (iccProfile: [UInt8]?, warnings: [String], pipelined: Bool) {
        try bytes.withUnsafeBufferPointer { data in
            guard let decoder = ippng_decoder_create(data.baseAddress, data.count, failMask(failOn)) else {
                throw DecodeError.outOfMemory(path: path, bytes: 0)
            }
            defer { ippng_decoder_destroy(decoder) }
            func failure() -> DecodeError { error(decoder, path: path) }
            let skipAdler32 = failOn == .none || failOn == .truncated
            if skipAdler32 { ippng_skip_adler32(decoder) }
            let (header, icc, layout) = try readHeader(decoder, path: path)
            let width = Int(header.width), height = Int(header.height)
            if PNGRowPipeline.applies(header, warnings: ippng_warnings(decoder)) {
                let bandRows = max(1, start(width, height, layout))
                if PNGRowPipeline.stream(bytes, width: width, height: height, channels: layout.channels,
                                         checkAdler32: !skipAdler32, bandRows: bandRows, consume: consume) {
                    return (icc, [], true)
                }
            }
            let lenient = failOn == .none
            let bandRows = header.interlaced != 0 ? height : max(1, start(width, height, layout))
            if header.interlaced != 0 { _ = start(width, height, layout) }
            let rowBytes = width * layout.channels
            var band = [UInt8](repeating: 0, count: rowBytes * bandRows)
            var failed = false
            try band.withUnsafeMutableBufferPointer { buffer in
                var done = 0
                while done < height {
                    let count = min(bandRows, height - done)
                    if !failed {
                        if header.interlaced != 0 {
                            var rows: UInt32 = 0
                            failed = ippng_read_image(decoder, buffer.baseAddress, rowBytes, &rows) != 0
                        } else {
                            failed = ippng_read_rows(decoder, buffer.baseAddress, rowBytes, UInt32(count)) != 0
                        }
                        if failed && !lenient { throw failure() }
                    }
                    if failed { buffer.update(repeating: 0) }
                    consume(buffer.baseAddress!, count)
                    done += count
                }
            }
            if !failed && !lenient && ippng_finish(decoder) != 0 { throw failure() }
            var warnings = ippng_warnings(decoder) != 0 ? [String(cString: ippng_message(decoder))] : []
            if failed { warnings.append(String(cString: ippng_message(decoder))) }
            return (icc, warnings, false)
        }
    }

    /// Reads everything up to the image data: the header after transforms, the ICC profile, the layout.
    private static func readHeader(_ decoder: OpaquePointer, path: String) throws -> (ippng_header, [UInt8]?, PixelLayout) {
        var header = ippng_header()
        guard ippng_read_header(decoder, &header) == 0 else { throw error(decoder, path: path) }
        var icc: [UInt8]?
        var profile: UnsafePointer<UInt8>?
        var profileLength: UInt32 = 0
        if ippng_icc(decoder, &profile, &profileLength) != 0, let profile {
            icc = Array(UnsafeBufferPointer(start: profile, count: Int(profileLength)))
        }
        guard let layout = PixelLayout(rawValue: Int(header.channels)) else {
            throw DecodeError.failed(path: path, format: .png, detail: "\(header.channels) channels after expansion")
        }
        return (header, icc, layout)
    }

    private static func error(_ decoder: OpaquePointer, path: String) -> DecodeError {
        let message = String(cString: ippng_message(decoder))
        switch ippng_failure_kind(decoder) {
        case IPPNG_WARN_TRUNCATED: return .truncated(path: path, format: .png, detail: message)
        case IPPNG_WARN_CORRUPT: return .corrupt(path: path, format: .png, detail: message)
        case IPPNG_WARN_OTHER: return .warning(path: path, format: .png, detail: message)
        default: return .failed(path: path, format: .png, detail: message)
        }
    }

    /// Encodes 8-bit samples of any layout at zlib `level` (0-9).
    static func encode(_ buffer: PixelBuffer, level: Int, icc: [UInt8]?, comment: String? = nil, path: String) throws -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        var length = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = buffer.pixels.withUnsafeBufferPointer { pixels in
            (icc ?? []).withUnsafeBufferPointer { profile in
                ippng_encode(
                    pixels.baseAddress, UInt32(buffer.width), UInt32(buffer.height), buffer.rowBytes,
                    Int32(buffer.layout.channels), Int32(level), profile.baseAddress, UInt32(profile.count), comment,
                    &out, &length, &message)
            }
        }
        guard status == 0, let out else {
            throw EncodeError.failed(path: path, format: .png, detail: text(of: message))
        }
        defer { ippng_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: length))
    }

    /// CRC-32 as PNG chunks use it (zlib's).
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { ippng_crc32(0, $0.baseAddress, $0.count) }
    }
}
