#if canImport(Glibc)
    import Glibc
#endif

/// What the command line needs to know about the terminal it writes to: whether a stream is one, and how
/// wide it is, so that lines redrawn in place (progress bars, status lines) never wrap.
enum Terminal {
    /// Whether the file descriptor (1 for standard output, 2 for standard error) is a terminal.
    static func isTerminal(_ fd: Int32) -> Bool {
        isatty(fd) == 1
    }

    /// The terminal's width in columns, from the kernel's window size; `COLUMNS` when that is unknown,
    /// and 80 when neither says. A redrawn line must stay shorter than this.
    static func columns(_ fd: Int32 = 2) -> Int {
        var size = winsize()
        if ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 {
            return Int(size.ws_col)
        }
        if let text = getenv("COLUMNS"), let value = Int(String(cString: text)), value > 0 {
            return value
        }
        return 80
    }
}
