#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Random access to the bytes of a file or of a buffer, for header parsing. A file is read with `pread`
/// at the offsets a parser asks for, so probing a 30 MB file costs the same few reads as a 30 kB one.
final class ByteSource {
    private enum Storage {
        case file(Int32)
        case memory([UInt8])
    }

    let path: String
    let size: Int
    private let storage: Storage
    /// A window of the file read in one go: headers are parsed front to back in small steps, and most of
    /// those steps land inside the window already read.
    private var window: [UInt8] = []
    private var windowStart = 0
    private static let windowLength = 4096
    /// How many bytes were read from the file, so tests can prove that probing stays in the header.
    private(set) var bytesRead = 0

    /// Opens `path` for reading. The caller closes it with `close()`.
    init(path: String) throws(ProbeError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .unreadable(path: path, reason: systemError()) }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            let reason = systemError()
            _ = Glibc_close(fd)
            throw .unreadable(path: path, reason: reason)
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            _ = Glibc_close(fd)
            throw .unreadable(path: path, reason: (status.st_mode & S_IFMT) == S_IFDIR ? "it is a directory" : "not a regular file")
        }
        storage = .file(fd)
        size = Int(status.st_size)
        window = try readFromFile(fd, offset: 0, count: min(size, Self.windowLength))
    }

    /// Reads from a file already in memory.
    init(path: String, memory: [UInt8]) {
        self.path = path
        storage = .memory(memory)
        size = memory.count
    }

    func close() {
        if case .file(let fd) = storage { _ = Glibc_close(fd) }
    }

    /// Up to `count` bytes at `offset`; fewer only where the data ends.
    func bytes(at offset: Int, count: Int) throws(ProbeError) -> [UInt8] {
        guard offset >= 0, count > 0, offset < size else { return [] }
        let count = min(count, size - offset)
        switch storage {
        case .memory(let memory):
            return Array(memory[offset..<offset + count])
        case .file(let fd):
            if offset < windowStart || offset + count > windowStart + window.count {
                guard count <= Self.windowLength else { return try readFromFile(fd, offset: offset, count: count) }
                window = try readFromFile(fd, offset: offset, count: min(size - offset, Self.windowLength))
                windowStart = offset
            }
            return Array(window[offset - windowStart..<offset - windowStart + count])
        }
    }

    private func readFromFile(_ fd: Int32, offset: Int, count: Int) throws(ProbeError) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = result.withUnsafeMutableBytes { buffer in
                pread(fd, buffer.baseAddress! + done, count - done, off_t(offset + done))
            }
            if got < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path: path, reason: systemError())
            }
                if got == 0 { break }
            done += got
        }
        bytesRead += done
        return done == count ? result : Array(result[0..<done])
    }
}

/// The text of the current `errno`.
func systemError() -> String {
    String(cString: strerror(errno))
}

/// `close` under a name that does not clash with methods called `close`.
@inline(__always) func Glibc_close(_ fd: Int32) -> Int32 {
    #if canImport(Glibc)
        Glibc.close(fd)
    #else
        Darwin.close(fd)
    #endif
}
