import Dispatch

/// Lets one progressive-JPEG decode with a large coefficient buffer run at a time in this process.
///
/// libjpeg decodes a progressive file into a whole-image buffer of DCT coefficients, 128 bytes per 8×8
/// block and component: 88 MB for a 5120×2880 4:4:4 photo, whether every scan is read or only the DC
/// scans. Two of them at once in a two-job batch put the peak memory above vipsthumbnail's; one at a
/// time, the second worker waits for the length of one such decode (a few hundredths of a second from the
/// DC scans) while every smaller file goes on in parallel. The batch also keeps the process to one malloc
/// arena (`LibJPEG.keepLargeBuffers`), so that no worker keeps a copy of its own; and each large decode
/// gives its free pages back when it ends (`LibJPEG.releaseFreeMemory`), because the other worker's
/// smaller allocations settle into the space it frees, and the next large buffer would then be placed
/// above them while the old pages stayed resident: measured, peak RSS over the benchmark corpus varied
/// from 140 to 206 MB from run to run without it.
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
        defer {
            LibJPEG.releaseFreeMemory()
            gate.signal()
        }
        return try decode()
    }
}
