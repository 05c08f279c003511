import Dispatch

/// Lets one progressive-JPEG decode with a large coefficient buffer run at a time in this process.
///
/// libjpeg decodes a progressive file into a whole-image buffer of DCT coefficients, 128 bytes per 8×8
/// block and component: 88 MB for a 5120×2880 4:4:4 photo, whether every scan is read or only the DC
/// scans. Two of them at once in a two-job batch put the peak memory above vipsthumbnail's; one at a
/// time, the second worker waits for the length of one such decode (a few hundredths of a second from the
/// DC scans) while every smaller file goes on in parallel. The batch also keeps the process to one malloc
/// arena (`LibJPEG.keepLargeBuffers`), so that the buffer one worker frees is the one the next reuses.
enum CoefficientGate {
    /// Buffers from this size up take the gate: about a 10-megapixel 4:4:4 or 20-megapixel 4:2:0 photo.
    static let threshold = 32 << 20

    private static let gate = DispatchSemaphore(value: 1)

    /// An upper bound of the coefficient buffer of a progressive JPEG: every component at full
    /// resolution (4:4:4), since the probe does not read the sampling factors. Zero for a baseline file,
    /// which libjpeg decodes a band of rows at a time.
    static func bufferBytes(of info: ImageInfo) -> Int {
        guard info.format == .jpeg, info.isProgressive else { return 0 }
        let components = switch info.colorModel {
        case .grey: 1
        case .cmyk: 4
        case .rgb, .palette: 3
        }
        let blocks = ((info.storedWidth + 7) / 8) * ((info.storedHeight + 7) / 8)
        return blocks.multipliedReportingOverflow(by: components * 128).partialValue
    }

    /// Runs `decode`, first waiting for any other large decode to finish when this one is large too.
    static func run<T>(for info: ImageInfo, _ decode: () throws -> T) rethrows -> T {
        guard bufferBytes(of: info) >= threshold else { return try decode() }
        gate.wait()
        defer { gate.signal() }
        return try decode()
    }
}
