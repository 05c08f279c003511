import FuzzSupport
import ImageCore

/// The PNG decoder: see `fuzzDecoder`.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzzDecoder(.png, data, size)
}

runFuzzer(fuzzOne)
