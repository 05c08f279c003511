import FuzzSupport
import ImageCore

/// The pure-Swift header parsers (JPEG, PNG, WebP) that `probe` runs on every file, limits lifted to
/// the ceiling so that every header gets parsed to the end.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    _ = try? ImageProbe.probe(bytes: bytes(data, size), path: "fuzz", limits: ImageLimits(maxBytes: nil, maxPixels: nil))
    return 0
}

runFuzzer(fuzzOne)
