#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads whole files into memory for decoding, refusing one above the byte limit before reading it.
enum FileBytes {
    /// `maxBytes` nil means `ImageLimits.ceilingBytes`, and a larger value is held to it.
    static func read(_ path: String, maxBytes: Int?) throws(ProbeError) -> [UInt8] {
        let maxBytes = ImageLimits(maxBytes: maxBytes).byteLimit
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .unreadable(path: path, reason: systemError()) }
        defer { _ = Glibc_close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw .unreadable(path: path, reason: systemError()) }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw .unreadable(path: path, reason: (status.st_mode & S_IFMT) == S_IFDIR ? "it is a directory" : "not a regular file")
        }
        let size = Int(status.st_size)
        guard size > 0 else { throw .empty(path: path) }
        if size > maxBytes { throw .tooManyBytes(path: path, bytes: size, limit: maxBytes) }
        var failure: String?
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            var done = 0
            while done < size {
                let got = Glibc.read(fd, buffer.baseAddress! + done, size - done)
                if got < 0 {
                    if errno == EINTR { continue }
                    failure = systemError()
                    break
                }
                if got == 0 { break }
                done += got
            }
            initialized = done
        }
        if let failure { throw .unreadable(path: path, reason: failure) }
        return bytes
    }
}
