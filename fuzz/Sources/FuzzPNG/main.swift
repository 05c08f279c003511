import FuzzSupport
import ImageCore

/// The PNG decoder as every command reaches it: a full decode, a check (rows decoded and dropped) and a
/// thumbnail (decoding at a reduced size), under each --fail-on level. Inputs of other formats are
/// turned away (-1) so that the corpus stays PNG. Small limits keep each run short; they are checked
/// from the header, which is part of what is fuzzed.
let limits = ImageLimits(maxBytes: 1 << 20, maxPixels: 1_000_000, maxMemory: 64 << 20)

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = bytes(data, size)
    guard ImageFormat.detect(input.prefix(16)) == .png else { return -1 }
    let options = DecodeOptions(failOn: FailOn.allCases[size % FailOn.allCases.count], limits: limits)
    _ = try? ImageDecoder.decode(bytes: input, path: "fuzz", options: options)
    _ = try? ImageDecoder.check(bytes: input, path: "fuzz", options: options)
    var thumbnail = ThumbnailOptions.size(24)
    thumbnail.limits = limits
    thumbnail.failOn = options.failOn
    _ = try? Thumbnailer.thumbnail(bytes: input, path: "fuzz", options: thumbnail)
    return 0
}

runFuzzer(fuzzOne)
