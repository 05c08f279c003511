import ImageCore

#if canImport(Glibc)
    import Glibc
#endif

/// `-` as a path: standard input read whole (the decoders need every byte, and a pipe cannot be read
/// twice), and standard output written whole. Binary image data is never written to a terminal.
enum StandardStreams {
    /// What `-` means as a path; errors about it name it so.
    static let inputName = "standard input"
    static let outputName = "standard output"

    /// Why `-` could not be used.
    enum StreamError: SubjectError, Equatable {
        /// Standard input holds more than the byte limit.
        case inputTooLarge(limit: Int)
        /// Reading standard input failed.
        case readFailed(errno: Int32)
        /// Writing standard output failed (a closed pipe, a full disk).
        case writeFailed(errno: Int32)
        /// Standard output is a terminal, where image bytes would only garble the screen.
        case outputIsTerminal

        var subject: String {
            switch self {
            case .inputTooLarge, .readFailed: StandardStreams.inputName
            case .writeFailed, .outputIsTerminal: StandardStreams.outputName
            }
        }

        var reason: String {
            switch self {
            case .inputTooLarge(let limit): "more than \(limit) bytes, imagepipe's ceiling for one image"
            case .readFailed(let code), .writeFailed(let code): String(cString: strerror(code))
            case .outputIsTerminal: "is a terminal; image data is not written to it (redirect it: > file, or | another command)"
            }
        }
    }

    /// All of standard input, refused beyond `limit` bytes (read no further than one byte past it).
    static func readInput(limit: Int = ImageLimits.ceilingBytes) throws(StreamError) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .readFailed(errno: errno)
            }
            if count == 0 { return bytes }
            bytes += chunk[0..<count]
            if bytes.count > limit { throw .inputTooLarge(limit: limit) }
        }
    }

    /// Checked before any work, so that a command meant for a pipe fails at once on a terminal.
    static func checkOutputIsNotTerminal() throws(StreamError) {
        if Terminal.isTerminal(1) { throw .outputIsTerminal }
    }

    /// Writes `bytes` to standard output, and nothing else.
    static func writeOutput(_ bytes: [UInt8]) throws(StreamError) {
        var done = 0
        while done < bytes.count {
            let wrote = bytes.withUnsafeBytes { write(1, $0.baseAddress! + done, $0.count - done) }
            if wrote < 0 && errno == EINTR { continue }
            if wrote <= 0 { throw .writeFailed(errno: errno) }
            done += wrote
        }
    }
}
