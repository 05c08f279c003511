import FuzzSupport
import ImageCore

/// The JPEG decoder: see `fuzzDecoder`.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzzDecoder(.jpeg, data, size)
}

runFuzzer(fuzzOne)
