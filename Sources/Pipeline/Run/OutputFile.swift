import Crypto
import Foundation

/// An output file as the journal knows it: its size and modification time (cheap to compare) and its
/// SHA-256 (read only when those differ).
enum OutputFile {
    struct Fingerprint: Equatable {
        var bytes: Int
        var modified: Int64
        var inode: Int64
    }

    static func fingerprint(_ path: String) -> Fingerprint? {
        var status = stat()
        guard stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Fingerprint(bytes: Int(status.st_size), modified: Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec),
                           inode: Int64(bitPattern: UInt64(status.st_ino)))
    }

    /// The SHA-256 of the file's bytes, read in blocks, in hex; nil when it cannot be read.
    static func checksum(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let block = try? handle.read(upToCount: 1 << 20), !block.isEmpty { hasher.update(data: block) }
        return hex(hasher.finalize())
    }

    /// Whether the output `record` names is still on disk as it was saved.
    static func isIntact(_ record: some SavedOutput) -> Bool {
        guard let path = record.output, let found = fingerprint(path) else { return false }
        if found.bytes == record.outputBytes, found.modified == record.outputModified { return true }
        return found.bytes == record.outputBytes && checksum(path) == record.checksum
    }

    /// Records `path` as the item's output: its place, size, time and checksum.
    static func record(_ path: String, in record: inout some SavedOutput) {
        let found = fingerprint(path)
        record.output = path
        record.outputBytes = found?.bytes
        record.outputModified = found?.modified
        record.checksum = checksum(path)
    }
}

/// A record of a file imagepipe saved: its place, size, time and checksum (an item's output, its upscale).
public protocol SavedOutput {
    var output: String? { get set }
    var outputBytes: Int? { get set }
    var outputModified: Int64? { get set }
    var checksum: String? { get set }
}

func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 15)])
    }
    return String(decoding: out, as: UTF8.self)
}
