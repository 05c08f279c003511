#if canImport(Glibc)
    import Glibc
#endif

/// Standard output for commands that print a line per file: lines are gathered and written in large
/// blocks, and flushed before anything goes to standard error so that the two streams stay in order.
/// A quiet writer (`--quiet`) drops the lines and keeps the errors.
struct LineWriter: ~Copyable {
    private var buffer: [UInt8] = []
    private let quiet: Bool

    init(quiet: Bool = false) {
        self.quiet = quiet
        buffer.reserveCapacity(1 << 16)
    }

    mutating func write(_ line: String) {
        if quiet { return }
        buffer += line.utf8
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func write(_ json: JSONLine) {
        if quiet { return }
        buffer += json.line
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Writes a line to standard error after everything written so far.
    mutating func error(_ line: String) {
        flush()
        printError(line)
    }

    mutating func flush() {
        writeAll(1, buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    deinit {
        writeAll(1, buffer)
    }
}

/// Writes one line to standard error (after flushing anything `print` buffered).
func printError(_ line: String) {
    fflush(nil)
    writeAll(2, Array((line + "\n").utf8))
}

/// Writes text to standard error as it is, for progress bars redrawn in place.
func writeError(_ text: String) {
    writeAll(2, Array(text.utf8))
}

/// Writes one line to standard output at once, for workers that report as they finish.
func printLine(_ bytes: [UInt8]) {
    writeAll(1, bytes + [UInt8(ascii: "\n")])
}

private func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
    bytes.withUnsafeBytes { buffer in
        var done = 0
        while done < buffer.count {
            let wrote = Glibc.write(fd, buffer.baseAddress! + done, buffer.count - done)
            if wrote < 0 && errno == EINTR { continue }
            if wrote <= 0 { return }
            done += wrote
        }
    }
}
