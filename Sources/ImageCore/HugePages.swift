#if canImport(Glibc)
    import Glibc
#endif

/// Asks the kernel to back a large pixel buffer with 2 MB pages. A 5120×2880 RGB buffer touched for the
/// first time otherwise costs some 11,000 page faults, about a tenth of its decode time; with huge
/// pages it costs a few dozen. Only a hint: where transparent huge pages are off, nothing changes.
enum HugePages {
    static let threshold = 4 << 20

    static func advise(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        #if os(Linux)
            guard buffer.count >= threshold, let base = buffer.baseAddress else { return }
            let pageSize = 2 << 20
            let start = (UInt(bitPattern: base) + UInt(pageSize - 1)) & ~UInt(pageSize - 1)
            let end = (UInt(bitPattern: base) + UInt(buffer.count)) & ~UInt(pageSize - 1)
            guard end > start, let pointer = UnsafeMutableRawPointer(bitPattern: start) else { return }
            _ = madvise(pointer, Int(end - start), MADV_HUGEPAGE)
        #endif
    }
}
