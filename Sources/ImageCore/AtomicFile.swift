#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a file so that readers see either nothing or all of it: the bytes go to a temporary file in
/// the same directory, are synced, and the temporary file is renamed over the target. A crash or a
/// full disk never leaves a partial output behind.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String) throws(EncodeError) {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        var template = Array("\(directory.isEmpty ? "/" : directory)/.\(name).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw .writeFailed(path: path, detail: systemError()) }
        let temporary = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var failure: String?
        bytes.withUnsafeBytes { buffer in
            var done = 0
            while done < buffer.count {
                let wrote = Glibc.write(fd, buffer.baseAddress! + done, buffer.count - done)
                if wrote < 0 {
                    if errno == EINTR { continue }
                    failure = systemError()
                    return
                }
                done += wrote
            }
        }
        if failure == nil, fchmod(fd, 0o644) != 0 || fsync(fd) != 0 { failure = systemError() }
        if Glibc_close(fd) != 0, failure == nil { failure = systemError() }
        if failure == nil, rename(temporary, path) != 0 { failure = systemError() }
        if let failure {
            unlink(temporary)
            throw .writeFailed(path: path, detail: failure)
        }
    }

    /// Creates a folder and its missing parents; true when it exists afterwards.
    public static func makeDirectories(_ path: String) -> Bool {
        var current = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            current += part + "/"
            if mkdir(current, 0o755) != 0 && errno != EEXIST { return false }
        }
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }
}
