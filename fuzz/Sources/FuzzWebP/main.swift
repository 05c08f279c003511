import FuzzSupport
import ImageCore

/// The WebP decoder: see `fuzzDecoder`.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzzDecoder(.webp, data, size)
}

runFuzzer(fuzzOne)
