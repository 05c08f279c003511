import Foundation
import Pipeline
import Synchronization

/// How `run` tells what happens while it runs. Standard output gets results only (the summary, or with
/// `--json` one JSON object per line and nothing else); standard error gets a line per item and step,
/// and on a terminal a status line under them, redrawn in place and never wider than the terminal.
/// `--quiet` keeps only the errors (and the summary).
final class RunReporter: Sendable {
    struct Settings {
        var json = false
        var quiet = false
        /// Standard error is a terminal: the status line is drawn (unless quiet).
        var terminal = false
    }

    private struct Shown {
        /// Whether the status line is on screen now (it is cleared before any other line is written).
        var statusShown = false
        var finished = false
        /// The last item and step heard of (`mug: generate`), shown at the end of the status line.
        var latest: String?
    }

    let settings: Settings
    private let progress: @Sendable () -> RunProgress
    private let shown = Mutex(Shown())
    private let started = ContinuousClock.now

    init(_ settings: Settings, progress: @escaping @Sendable () -> RunProgress) {
        self.settings = settings
        self.progress = progress
    }

    private var drawsStatus: Bool { settings.terminal && !settings.quiet }

    /// Redraws the status line every second (for the elapsed time) until `finish`.
    func tick() async {
        guard drawsStatus else { return }
        while !Task.isCancelled {
            redraw()
            try? await Task.sleep(for: .seconds(1))
        }
    }

    func event(_ event: RunEvent) {
        shown.withLock { shown in
            if event.step != InputStep.keyword { shown.latest = "\(event.item): \(event.step)" }
            if event.step == InputStep.keyword, let problem = event.problems.first {
                // An input pattern that matched nothing: an error in every mode.
                if settings.json { printLine(RunJSON.input(schema: RunJSON.runSchema, problem).line) }
                show(problem.description, &shown)
            } else if settings.json {
                printLine(RunJSON.step(event).line)
                if drawsStatus && !shown.finished { draw(&shown) }
            } else if !settings.quiet || Self.isError(event) {
                show(Self.line(for: event), &shown)
            }
        }
    }

    /// A line of standard error (a message, an error) above the status line.
    func message(_ line: String) {
        above(line)
    }

    /// Clears the status line for good; what follows is the summary.
    func finish() {
        shown.withLock { shown in
            if shown.statusShown { writeError("\r\u{1B}[K") }
            shown.statusShown = false
            shown.finished = true
        }
    }

    private func above(_ line: String) {
        shown.withLock { show(line, &$0) }
    }

    /// Writes `line` to standard error in place of the status line, then draws the status line again.
    private func show(_ line: String, _ shown: inout Shown) {
        writeError((shown.statusShown ? "\r\u{1B}[K" : "") + line + "\n")
        shown.statusShown = false
        if drawsStatus && !shown.finished { draw(&shown) }
    }

    private func redraw() {
        guard drawsStatus else { return }
        shown.withLock { shown in
            guard !shown.finished else { return }
            draw(&shown)
        }
    }

    private func draw(_ shown: inout Shown) {
        let progress = progress()
        guard progress.total > 0 else { return }  // not started yet, or nothing to do
        let text = Self.status(progress, elapsed: ContinuousClock.now - started, columns: Terminal.columns(2), latest: shown.latest)
        writeError((shown.statusShown ? "\r\u{1B}[K" : "") + text)
        shown.statusShown = true
    }

    /// Events that `--quiet` still prints: an item that stopped short, or any problem.
    static func isError(_ event: RunEvent) -> Bool {
        !event.problems.isEmpty || [.failed, .rejected, .unknown, .lost, .budget].contains(event.state)
    }

    /// One line per item and step: `name: step → state (details) — problems [done/total done, credits]`.
    static func line(for event: RunEvent) -> String {
        var line = "\(event.item): \(event.step) → \(event.state.rawValue)"
        var details: [String] = []
        if let message = event.message { details.append(message) }
        if event.state == .submitted, let task = event.task { details.append("task \(task)") }
        if [.downloaded, .done].contains(event.state), let output = event.output, [GenerateStep.keyword, UpscaleStep.keyword].contains(event.step) {
            details.append(output)
        }
        if !details.isEmpty { line += " (" + details.joined(separator: ", ") + ")" }
        if !event.problems.isEmpty { line += " — " + event.problems.map(\.description).joined(separator: "; ") }
        let progress = event.progress
        return line + " [\(progress.finished)/\(progress.total) done, \(progress.credits) credits]"
    }

    /// The status line, at most `columns - 1` characters (the last column is left free so that no
    /// terminal wraps it): the longest of its forms that leaves room for the `latest` item and step
    /// (whole, or cut short with `…`), else the longest that fits without it, else the shortest cut to fit.
    static func status(_ progress: RunProgress, elapsed: Duration, columns: Int, latest: String? = nil) -> String {
        let done = "\(progress.finished)/\(progress.total)"
        let time = clock(elapsed)
        let forms = [
            "\(done) done · \(progress.inFlight) in flight · \(progress.failed) failed · \(progress.credits) credits · \(time)",
            "\(done) done · \(progress.inFlight) running · \(progress.failed) failed · \(progress.credits) cr · \(time)",
            "\(done) · \(progress.inFlight) run · \(progress.failed) fail · \(progress.credits) cr · \(time)",
            "\(done) \(progress.failed)! \(progress.credits)cr \(time)",
        ]
        let width = max(1, columns - 1)
        // The latest item takes " · " and at least a few characters of its name, or is left out.
        let minimum = 3 + 8
        if let latest, let counts = forms.first(where: { $0.count + minimum <= width }) {
            let room = width - counts.count - 3
            return counts + " · " + (latest.count <= room ? latest : String(latest.prefix(room - 1)) + "…")
        }
        return forms.first { $0.count <= width } ?? String(forms[forms.count - 1].prefix(width))
    }

    /// `m:ss`, or `h:mm:ss` from an hour.
    static func clock(_ elapsed: Duration) -> String {
        let seconds = Int(elapsed.components.seconds)
        let (hours, minutes, rest) = (seconds / 3600, seconds / 60 % 60, seconds % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, rest) : String(format: "%d:%02d", minutes, rest)
    }
}
