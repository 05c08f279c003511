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

    /// The most scans a JPEG may have: libjpeg-turbo's own tools use the same limit (`tjbench -limitscans`).
    /// Real encoders write 1 to about 20; every scan of a progressive file walks the whole image, so a
    /// small hostile file with thousands of scans would take minutes.
    static let scanLimit = 500

    /// Decodes a whole JPEG held in `bytes` at 1/`scale` of its size (1, 2, 4 or 8). CMYK comes out as RGB.
    /// The picture and libjpeg's own stores together stay within `memoryLimit` bytes (see `holdMemory`).
    static func decode(_ bytes: [UInt8], path: String, failOn: FailOn, scale: Int = 1,
                       memoryLimit: Int = ImageLimits.ceilingMemory) throws -> RawDecode {
        try decodePicture(bytes, path: path, failOn: failOn, scale: scale, memoryLimit: memoryLimit,
                          readsToEnd: true) { decoder, width, height, channels in
            ipjpeg_start(decoder, Int32(scale), &width, &height, &channels)
        }
    }

    /// How much of a progressive file a DC-only decode read.
    struct DCScans {
        /// Scans read in whole.
        var scansRead: Int
        var bytesRead: Int
        /// False when a successive-approximation refinement of the DC is still to come: each block's
        /// average then lacks its lowest bit(s), which is at most one DC quantisation step.
        var refined: Bool
    }

    /// The 1/8-scale picture of a progressive JPEG from its DC scans alone: each output pixel is its 8×8
    /// block's average, which the first scans of a progressive file carry. Reads only as far as the last
    /// DC scan (with `waitForRefinement`, the last DC refinement scan), so damage or truncation after that
    /// point is not seen: the caller decides when that is acceptable.
    static func decodeDCScans(_ bytes: [UInt8], path: String, failOn: FailOn, waitForRefinement: Bool = false,
                              memoryLimit: Int = ImageLimits.ceilingMemory) throws -> (RawDecode, DCScans) {
        var progress = ipjpeg_dc_progress()
        let raw = try decodePicture(bytes, path: path, failOn: failOn, scale: 8, memoryLimit: memoryLimit,
                                    readsToEnd: false) { decoder, width, height, channels in
            ipjpeg_start_dc(decoder, waitForRefinement ? 1 : 0, &progress, &width, &height, &channels)
        }
        let scans = DCScans(scansRead: Int(progress.scans), bytesRead: bytes.count - Int(progress.bytes_left),
                            refined: progress.dc_refined != 0)
        return (raw, scans)
    }

    /// The decode both entry points share: the ICC profile, `start` (which chooses the scale and how many
    /// scans to read, and gives the output size), the rows, and with `readsToEnd` the rest of the file.
    private static func decodePicture(
        _ bytes: [UInt8], path: String, failOn: FailOn, scale: Int, memoryLimit: Int, readsToEnd: Bool,
        start: (OpaquePointer, inout UInt32, inout UInt32, inout Int32) -> Int32
    ) throws -> RawDecode {
        try withDecoder(bytes, path: path, failOn: failOn, memoryLimit: memoryLimit,
                        pictureBytes: { pictureBytes($0, scale: scale) }) { decoder, header, failure in
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
            guard start(decoder, &width, &height, &channels) == 0 else { throw failure() }
            let rowBytes = Int(width) * Int(channels)
            let count = rowBytes * Int(height)
            var failed = false
            let samples = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                HugePages.advise(buffer)
                var rows: UInt32 = 0
                failed = ipjpeg_read_rows(decoder, buffer.baseAddress, rowBytes, height, &rows) != 0
                initialized = count
            }
            guard !failed, !readsToEnd || ipjpeg_finish(decoder) == 0 else { throw failure() }
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

    /// Decodes every row of a whole JPEG with the strictness and errors of `decode`, into a band of rows
    /// that is written over and over: the memory of a few rows (and of a progressive file's coefficients),
    /// not of the picture. Returns the warnings the policy let through.
    static func check(_ bytes: [UInt8], path: String, failOn: FailOn, memoryLimit: Int) throws -> [String] {
        let bandRows = 16
        return try withDecoder(bytes, path: path, failOn: failOn, memoryLimit: memoryLimit,
                               pictureBytes: { Int($0.width) * channels($0) * bandRows }) { decoder, header, failure in
            var width: UInt32 = 0
            var height: UInt32 = 0
            var components: Int32 = 0
            guard ipjpeg_start(decoder, 1, &width, &height, &components) == 0 else { throw failure() }
            let rowBytes = Int(width) * Int(components)
            var band = [UInt8](repeating: 0, count: rowBytes * bandRows)
            var done: UInt32 = 0
            let failed = band.withUnsafeMutableBufferPointer { band in
                while done < height {
                    var rows: UInt32 = 0
                    if ipjpeg_read_rows(decoder, band.baseAddress, rowBytes, min(UInt32(bandRows), height - done), &rows) != 0 {
                        return true
                    }
                    if rows == 0 { return false }
                    done += rows
                }
                return false
            }
            guard !failed, ipjpeg_finish(decoder) == 0 else { throw failure() }
            return ipjpeg_warnings(decoder) != 0 ? [String(cString: ipjpeg_message(decoder))] : []
        }
    }

    /// Opens a decoder on `bytes`, reads the header, holds the decode to `memoryLimit` with a picture of
    /// `pictureBytes(header)` bytes (see `holdMemory`), and runs `body` with the decoder, the header and
    /// the error to throw when a later step fails. `bytes` stays pinned while `body` runs.
    private static func withDecoder<T>(
        _ bytes: [UInt8], path: String, failOn: FailOn, memoryLimit: Int, pictureBytes: (ipjpeg_header) -> Int,
        _ body: (_ decoder: OpaquePointer, _ header: ipjpeg_header, _ failure: () -> DecodeError) throws -> T
    ) throws -> T {
        let mask = failMask(failOn)
        guard let decoder = ipjpeg_decoder_create(mask) else {
            throw DecodeError.outOfMemory(path: path, bytes: 0)
        }
        defer { ipjpeg_decoder_destroy(decoder) }
        ipjpeg_limit_scans(decoder, Int32(scanLimit))
        var needed = 0
        func failure() -> DecodeError { error(decoder, path: path, mask: mask, needed: needed, memoryLimit: memoryLimit) }
        return try bytes.withUnsafeBufferPointer { data in
            var header = ipjpeg_header()
            guard ipjpeg_read_header(decoder, data.baseAddress, data.count, &header) == 0 else { throw failure() }
            needed = try holdMemory(decoder, header: header, pictureBytes: pictureBytes(header), limit: memoryLimit, path: path)
            return try body(decoder, header, failure)
        }
    }

    /// Samples per pixel libjpeg produces for this file (CMYK stays four until converted).
    private static func channels(_ header: ipjpeg_header) -> Int {
        switch header.color {
        case IPJPEG_COLOR_GRAY: 1
        case IPJPEG_COLOR_CMYK: 4
        default: 3
        }
    }

    /// The bytes of the decoded picture at 1/`scale`: the samples, plus the RGB copy a CMYK file is
    /// converted into.
    private static func pictureBytes(_ header: ipjpeg_header, scale: Int) -> Int {
        let pixels = ((Int(header.width) + scale - 1) / scale) * ((Int(header.height) + scale - 1) / scale)
        return pixels * (header.color == IPJPEG_COLOR_CMYK ? 4 + 3 : channels(header))
    }

    /// Works out what decoding needs (the picture, libjpeg's coefficient store for a file of several
    /// scans, and a generous allowance for its row buffers and tables), refuses it when that is more than
    /// `limit`, and holds libjpeg itself to what the picture leaves (`max_memory_to_use`), so that a
    /// mistaken estimate still ends in an error rather than an allocation. Returns the estimate.
    private static func holdMemory(_ decoder: OpaquePointer, header: ipjpeg_header, pictureBytes: Int, limit: Int,
                                   path: String) throws -> Int {
        let store = Int(ipjpeg_coefficient_bytes(decoder))
        let working = (1 << 20) + 64 * Int(header.width) * Int(max(header.components, 1))
        let needed = pictureBytes + store + working
        guard needed <= limit else { throw DecodeError.tooMuchMemory(path: path, bytes: needed, limit: limit) }
        ipjpeg_set_memory_limit(decoder, limit - pictureBytes)
        return needed
    }

    /// The error for the decoder's failure: the first category its warnings fall in, else libjpeg's error.
    private static func error(_ decoder: OpaquePointer, path: String, mask: Int32, needed: Int, memoryLimit: Int) -> DecodeError {
        if ipjpeg_scans_refused(decoder) != 0 { return .tooManyScans(path: path, limit: scanLimit) }
        if ipjpeg_over_memory_limit(decoder) != 0 { return .tooMuchMemory(path: path, bytes: max(needed, memoryLimit + 1), limit: memoryLimit) }
        let warnings = ipjpeg_warnings(decoder)
        let message = String(cString: ipjpeg_message(decoder))
        if warnings & IPJPEG_WARN_TRUNCATED != 0 { return .truncated(path: path, format: .jpeg, detail: message) }
        if warnings & IPJPEG_WARN_CORRUPT != 0 { return .corrupt(path: path, format: .jpeg, detail: message) }
        if warnings & mask & IPJPEG_WARN_OTHER != 0 { return .warning(path: path, format: .jpeg, detail: message) }
        return .failed(path: path, format: .jpeg, detail: message)
    }

    /// See `ipjpeg_keep_large_buffers`: for batch commands only.
    static func keepLargeBuffers() {
        ipjpeg_keep_large_buffers(32 << 20)
    }

    /// See `ipjpeg_release_free_memory`: after a decode too large to keep its buffer for the next.
    static func releaseFreeMemory() {
        ipjpeg_release_free_memory()
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

    /// Re-encodes `jpeg` losslessly with another scan script (see `ipjpeg_rescan`): how tests make
    /// progressive files of any structure from the same coefficients.
    static func rescan(_ jpeg: [UInt8], scans: [ipjpeg_scan], path: String) throws -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        var length: UInt = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = jpeg.withUnsafeBufferPointer { data in
            scans.withUnsafeBufferPointer { script in
                ipjpeg_rescan(data.baseAddress, data.count, script.baseAddress, Int32(script.count), &out, &length, &message)
            }
        }
        guard status == 0, let out else {
            throw EncodeError.failed(path: path, format: .jpeg, detail: text(of: message))
        }
        defer { ipjpeg_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }
}
