import CFuzzer
import ImageCore

#if canImport(Glibc)
    import Glibc
#endif

/// Hands the process to libFuzzer with `callback` as the function under test (the target's own
/// `LLVMFuzzerTestOneInput`), and exits with libFuzzer's status. SwiftPM gives every executable a
/// `main`, so libFuzzer is entered through its driver rather than its own `main`.
public func runFuzzer(_ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Never {
    var argc = CommandLine.argc
    var argv = Optional(CommandLine.unsafeArgv)
    exit(LLVMFuzzerRunDriver(&argc, &argv, callback))
}

/// The input as an array (the code under test takes arrays).
public func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// One decoder as every command reaches it: a full decode, a check (rows decoded and dropped) and a
/// thumbnail (decoding at a reduced size), under the --fail-on level the input's length picks. Inputs of
/// another format are turned away (-1) so that the corpus stays `format`. Small limits keep each run
/// short; they are checked from the header, which is part of what is fuzzed.
public func fuzzDecoder(_ format: ImageFormat, _ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = bytes(data, size)
    guard ImageFormat.detect(input.prefix(16)) == format else { return -1 }
    let limits = ImageLimits(maxBytes: 1 << 20, maxPixels: 1_000_000, maxMemory: 64 << 20)
    let options = DecodeOptions(failOn: FailOn.allCases[size % FailOn.allCases.count], limits: limits)
    _ = try? ImageDecoder.decode(bytes: input, path: "fuzz", options: options)
    _ = try? ImageDecoder.check(bytes: input, path: "fuzz", options: options)
    var thumbnail = ThumbnailOptions.size(24)
    thumbnail.limits = limits
    thumbnail.failOn = options.failOn
    _ = try? Thumbnailer.thumbnail(bytes: input, path: "fuzz", options: thumbnail)
    return 0
}
