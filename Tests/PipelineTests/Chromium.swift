import Foundation
import Glibc
import Synchronization

/// Headless Chromium (Debian's `chromium`, installed by scripts/test.sh), driven over the DevTools protocol
/// on a pipe: `--remote-debugging-pipe` reads commands from fd 3 and writes answers and events to fd 4,
/// each a JSON text ended by a NUL byte. No port, no websocket, no Node — and every console message,
/// exception and failed load reaches the test as an event.
final class Chromium: Sendable {
    enum Failure: Error, CustomStringConvertible {
        case cannotStart(String)
        case closed(method: String)
        case timedOut(method: String, seconds: Double)
        case protocolError(method: String, message: String)

        var description: String {
            switch self {
            case .cannotStart(let detail): "chromium: cannot start: \(detail)"
            case .closed(let method): "chromium: the browser went away during \(method)"
            case .timedOut(let method, let seconds): "chromium: no answer to \(method) within \(seconds) s"
            case .protocolError(let method, let message): "chromium: \(method): \(message)"
            }
        }
    }

    /// The browser on PATH, when there is one.
    static var executable: String? {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
                let path = "\(directory)/\(name)"
                if FileManager.default.isExecutableFile(atPath: path) { return path }
            }
        }
        return nil
    }

    let pid: pid_t
    private let commands: Int32
    private let answers: Int32
    private let state = Mutex(State())
    private let profile: String

    private struct State {
        var nextID = 0
        var waiting: [Int: CheckedContinuation<Data, any Error>] = [:]
        /// Events in arrival order (method, session, params), kept as JSON text so the state stays Sendable.
        var events: [Data] = []
        var closed = false
    }

    /// Starts the browser with a fresh profile inside `scratch`.
    init(scratch: String) throws {
        guard let executable = Self.executable else { throw Failure.cannotStart("no chromium on PATH") }
        profile = scratch + "/chromium-profile"
        try FileManager.default.createDirectory(atPath: profile, withIntermediateDirectories: true)
        let toBrowser = try Self.pipe(), fromBrowser = try Self.pipe()
        var arguments = [executable, "--headless=new", "--remote-debugging-pipe", "--user-data-dir=\(profile)", "--no-first-run",
                         "--no-default-browser-check", "--disable-gpu", "--disable-extensions", "--disable-sync",
                         "--disable-background-networking", "--disable-component-update", "--mute-audio", "about:blank"]
        // Chromium refuses to run as root with its sandbox (as in CI containers).
        if getuid() == 0 { arguments.insert("--no-sandbox", at: 1) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears close-on-exec on the copies, so only fds 3 and 4 reach the browser.
        posix_spawn_file_actions_adddup2(&actions, toBrowser[0], 3)
        posix_spawn_file_actions_adddup2(&actions, fromBrowser[1], 4)
        let null = open("/dev/null", O_WRONLY | O_CLOEXEC)
        defer { Glibc.close(null) }
        posix_spawn_file_actions_adddup2(&actions, null, 1)
        posix_spawn_file_actions_adddup2(&actions, null, 2)
        var child: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let status = posix_spawn(&child, executable, &actions, nil, argv, environ)
        Glibc.close(toBrowser[0])
        Glibc.close(fromBrowser[1])
        guard status == 0 else {
            Glibc.close(toBrowser[1])
            Glibc.close(fromBrowser[0])
            throw Failure.cannotStart("posix_spawn: \(status)")
        }
        pid = child
        commands = toBrowser[1]
        answers = fromBrowser[0]
        let reader = Thread { [self] in readAnswers() }
        reader.start()
    }

    /// A pipe whose ends are closed on exec and numbered above 4, so that the `dup2` onto 3 and 4 in the
    /// child always makes a copy (which is what clears close-on-exec).
    private static func pipe() throws -> [Int32] {
        var ends: [Int32] = [0, 0]
        guard Glibc.pipe(&ends) == 0 else { throw Failure.cannotStart("pipe: errno \(errno)") }
        return ends.map { end in
            let moved = fcntl(end, F_DUPFD_CLOEXEC, 10)
            Glibc.close(end)
            return moved
        }
    }

    /// Sends a command (to a page when `session` is given) and returns its result.
    func call(_ method: String, _ params: [String: Any] = [:], session: String? = nil, timeout: Double = 120) async throws -> [String: Any] {
        var message: [String: Any] = ["method": method, "params": params]
        if let session { message["sessionId"] = session }
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        message["id"] = id
        let bytes = [UInt8](try JSONSerialization.data(withJSONObject: message)) + [0]
        let watchdog = Task {
            try await Task.sleep(for: .seconds(timeout))
            fail(id, Failure.timedOut(method: method, seconds: timeout))
        }
        defer { watchdog.cancel() }
        let answer = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Data, any Error>) in
            let closed = state.withLock { state -> Bool in
                if state.closed { return true }
                state.waiting[id] = continuation
                return false
            }
            if closed { return continuation.resume(throwing: Failure.closed(method: method)) }
            var written = 0
            while written < bytes.count {
                let count = bytes[written...].withUnsafeBytes { write(commands, $0.baseAddress, $0.count) }
                if count <= 0 {
                    fail(id, Failure.closed(method: method))
                    return
                }
                written += count
            }
        }
        let object = (try? JSONSerialization.jsonObject(with: answer)) as? [String: Any] ?? [:]
        if let error = object["error"] as? [String: Any] {
            throw Failure.protocolError(method: method, message: error["message"] as? String ?? "\(error)")
        }
        return object["result"] as? [String: Any] ?? [:]
    }

    /// How many events have arrived so far: pass it to `waitForEvent` to wait for a later one.
    var eventCount: Int { state.withLock { $0.events.count } }

    /// Events from `start` on, decoded.
    func events(from start: Int = 0) -> [[String: Any]] {
        let texts = state.withLock { Array($0.events[min(start, $0.events.count)...]) }
        return texts.compactMap { (try? JSONSerialization.jsonObject(with: $0)) as? [String: Any] }
    }

    /// Waits for an event named `method` (of `session`) that arrived after the `after`-th.
    func waitForEvent(_ method: String, session: String?, after: Int, timeout: Double = 120) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + .seconds(timeout)
        var seen = after
        while ContinuousClock.now < deadline {
            let fresh = events(from: seen)
            seen += fresh.count
            if let event = fresh.first(where: { $0["method"] as? String == method && $0["sessionId"] as? String == session }) { return event }
            if state.withLock({ $0.closed }) { throw Failure.closed(method: method) }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw Failure.timedOut(method: method, seconds: timeout)
    }

    /// Closes the browser (politely, then by SIGKILL) and waits for it.
    func quit() async {
        _ = try? await call("Browser.close", timeout: 10)
        for _ in 0..<100 {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { return finish() }
            try? await Task.sleep(for: .milliseconds(50))
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        finish()
    }

    private func finish() {
        Glibc.close(commands)
        try? FileManager.default.removeItem(atPath: profile)
    }

    private func fail(_ id: Int, _ error: any Error) {
        state.withLock { $0.waiting.removeValue(forKey: id) }?.resume(throwing: error)
    }

    /// The reader thread: splits the browser's output on NUL bytes; answers go to their callers, events
    /// to the list. When the browser goes away every caller still waiting is told.
    private func readAnswers() {
        var pending = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(answers, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            pending += buffer[0..<count]
            while let end = pending.firstIndex(of: 0) {
                let text = Data(pending[..<end])
                pending.removeSubrange(...end)
                guard let message = (try? JSONSerialization.jsonObject(with: text)) as? [String: Any] else { continue }
                if let id = message["id"] as? Int {
                    state.withLock { $0.waiting.removeValue(forKey: id) }?.resume(returning: text)
                } else {
                    state.withLock { $0.events.append(text) }
                }
            }
        }
        Glibc.close(answers)
        let waiters = state.withLock { state in
            state.closed = true
            defer { state.waiting = [:] }
            return Array(state.waiting.values)
        }
        for waiter in waiters { waiter.resume(throwing: Failure.closed(method: "a command")) }
    }
}
