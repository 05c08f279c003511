import ErrorVocabulary
import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// Why a run cannot have its output folder.
public enum RunLockError: SubjectError, Equatable {
    case inUse(directory: String, holder: String)
    case cannotLock(directory: String, detail: String)

    public var subject: String {
        switch self {
        case .inUse(let directory, _), .cannotLock(let directory, _): directory
        }
    }

    public var reason: String {
        switch self {
        case .inUse(_, let holder): "in use by another imagepipe run (\(holder))"
        case .cannotLock(_, let detail): "cannot take the run lock: \(detail)"
        }
    }
}

/// One run per output folder: an exclusive `flock` on `.imagepipe.lock`, taken before anything else and
/// held until the run ends. The kernel releases it when the process dies, however it dies, so a killed
/// run never leaves the folder locked. The file says who holds it, for the message a second run prints.
public final class RunLock: Sendable {
    private let descriptor: Int32

    public static let fileName = ".imagepipe.lock"

    public static func acquire(directory: String, now: Date = Date()) throws(RunLockError) -> RunLock {
        let path = directory + "/" + fileName
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .cannotLock(directory: directory, detail: String(cString: strerror(errno))) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let failure = errno
            var buffer = [UInt8](repeating: 0, count: 256)
            let count = pread(descriptor, &buffer, buffer.count, 0)
            close(descriptor)
            guard failure == EWOULDBLOCK else { throw .cannotLock(directory: directory, detail: String(cString: strerror(failure))) }
            let holder = String(decoding: buffer.prefix(max(0, count)), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw .inUse(directory: directory, holder: holder.isEmpty ? "pid unknown" : holder)
        }
        let formatter = ISO8601DateFormatter()
        let text = Array("pid \(getpid()), since \(formatter.string(from: now))\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = text.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        return RunLock(descriptor: descriptor)
    }

    private init(descriptor: Int32) { self.descriptor = descriptor }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
