import Synchronization

/// A one-line progress bar on standard error, redrawn in place, only when standard error is a terminal:
/// `[#####-----] 12/80 3.4/s ETA 20s  shoots/a/mug.jpg` (files per second, seconds left). The line always fits the terminal's
/// width (read at each redraw, so a resized window is followed): the current file's name is shortened
/// from the left first, then the bar, then the rest is cut.
final class ProgressBar: Sendable {
    let total: Int
    let shown: Bool
    private let started = monotonicSeconds()
    private let drawn = Atomic<Bool>(false)

    init(total: Int, shown: Bool) {
        self.total = total
        self.shown = shown
    }

    /// Redraws the line after `completed` files, the last of which was `file`.
    func show(completed: Int, file: String) {
        guard shown, total > 0 else { return }
        let elapsed = monotonicSeconds() - started
        let rate = elapsed > 0 ? Double(completed) / elapsed : 0
        let remaining = rate > 0 ? Int((Double(total - completed) / rate).rounded()) : 0
        let line = Self.line(completed: completed, total: total, rate: rate, secondsLeft: remaining, file: file,
                             columns: Terminal.columns(2))
        writeError("\r" + line + "\u{1B}[K")
        drawn.store(true, ordering: .relaxed)
    }

    /// Erases the line, so that other output starts at the left margin.
    func clear() {
        if shown && drawn.exchange(false, ordering: .relaxed) { writeError("\r\u{1B}[K") }
    }

    /// The line itself, at most `columns - 1` columns wide (a character in the last column makes some
    /// terminals wrap). Characters outside ASCII are counted as two columns, as East Asian ones take.
    static func line(completed: Int, total: Int, rate: Double, secondsLeft: Int, file: String, columns: Int) -> String {
        let room = columns - 1
        let counts = "\(completed)/\(total) \(format1(rate))/s ETA \(secondsLeft)s"
        let barWidth = min(30, room - counts.count - 3 - 16)  // "[" "] " around the bar, 16 left for the file
        var line = counts
        if barWidth >= 5 {
            let filled = total > 0 ? completed * barWidth / total : 0
            line = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: barWidth - filled) + "] " + counts
        }
        let fileRoom = room - width(of: line) - 2
        if fileRoom >= 8 { line += "  " + shortened(file, to: fileRoom) }
        return width(of: line) <= room ? line : String(line.prefix(max(0, room)))
    }

    /// `text` cut from the left to at most `columns` columns, marked with "...".
    static func shortened(_ text: String, to columns: Int) -> String {
        guard width(of: text) > columns else { return text }
        var kept: [Character] = []
        var used = 3
        for character in text.reversed() {
            let next = used + width(of: character)
            if next > columns { break }
            kept.append(character)
            used = next
        }
        return "..." + String(kept.reversed())
    }

    private static func width(of text: String) -> Int {
        text.reduce(0) { $0 + width(of: $1) }
    }

    private static func width(of character: Character) -> Int {
        character.isASCII ? 1 : 2
    }
}
