import CFuzzer

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
