import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A bare HTTP server on loopback (port 0, read back) that answers as a test scripts it, for what the
/// simulator cannot do: close a connection without answering, answer before reading the body, redirect
/// to another origin, speak plain HTTP to a TLS client. One connection at a time; the client library opens a new one for each
/// request since every answer says `Connection: close`.
final class ScriptedServer: @unchecked Sendable {
    /// What to do with one request.
    enum Reply {
        /// Read the whole request, then close the connection without a word.
        case closeAfterRequest
        /// Answer as soon as the head is read, before the body (then close).
        case answerBeforeBody([UInt8])
        /// Read the whole request, answer, close.
        case answer([UInt8])
    }

    /// One request as received: its head and, when it was read, its body.
    struct Received {
        var head: String
        var body: String

        func header(_ name: String) -> String? {
            head.split(separator: "\r\n").dropFirst().first { $0.lowercased().hasPrefix(name.lowercased() + ":") }
                .map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) }
        }
    }

    /// The content type of a TLS record that carries a handshake: the first byte a TLS client sends.
    static let tlsHandshakeRecord: UInt8 = 0x16

    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var received: [Received] = []
    private let script: @Sendable (Received) -> Reply

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Everything received so far.
    var requests: [Received] { lock.withLock { received } }

    init(_ script: @escaping @Sendable (Received) -> Reply) throws {
        self.script = script
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(listener, raw, length) == 0 && listen(listener, 16) == 0 && getsockname(listener, raw, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRNOTAVAIL) }
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    /// A port on which nothing listens: bound, read back and closed again.
    static func closedPort() throws -> Int {
        let server = try ScriptedServer { _ in .closeAfterRequest }
        server.stop()
        return server.port
    }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func serve() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 { return }
            // Only a safety net against a test that hangs: a loaded CI machine can take seconds to send a
            // head (a 2 s limit here once dropped a redirected submit, which then read as unknown).
            var timeout = timeval(tv_sec: 60, tv_usec: 0)
            setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            handle(connection)
            close(connection)
        }
    }

    private func handle(_ connection: Int32) {
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        // The head: up to the blank line. A TLS client sends none: its first byte opens a handshake
        // record (0x16), and it is dropped at once.
        var end = data.blankLineEnd
        while end == nil {
            let got = recv(connection, &buffer, buffer.count, 0)
            if got <= 0 { return }
            data += buffer[0..<got]
            if data.first == ScriptedServer.tlsHandshakeRecord { return }
            end = data.blankLineEnd
        }
        guard let split = end else { return }
        let head = String(decoding: data[0..<split], as: UTF8.self)
        var request = Received(head: head, body: "")
        let length = request.header("Content-Length").flatMap(Int.init) ?? 0
        var body = Array(data[split...])
        let reply = script(request)
        if case .answerBeforeBody(let answer) = reply {
            lock.withLock { received.append(request) }
            send(answer, to: connection)
            return
        }
        while body.count < length {
            let got = recv(connection, &buffer, buffer.count, 0)
            if got <= 0 { break }
            body += buffer[0..<got]
        }
        request.body = String(decoding: body, as: UTF8.self)
        lock.withLock { received.append(request) }
        if case .answer(let answer) = reply { send(answer, to: connection) }
    }

    private func send(_ bytes: [UInt8], to connection: Int32) {
        var done = 0
        while done < bytes.count {
            let wrote = bytes[done...].withUnsafeBytes { Glibc.send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if wrote <= 0 { return }
            done += wrote
        }
    }

    /// An HTTP/1.1 answer with a JSON (or any) body.
    static func response(_ status: Int, _ reason: String, headers: [String] = [], body: String = "") -> [UInt8] {
        response(status, reason, headers: headers, bytes: Array(body.utf8))
    }

    static func response(_ status: Int, _ reason: String, headers: [String] = [], bytes: [UInt8]) -> [UInt8] {
        let head = (["HTTP/1.1 \(status) \(reason)", "Content-Length: \(bytes.count)", "Connection: close"] + headers)
            .joined(separator: "\r\n") + "\r\n\r\n"
        return Array(head.utf8) + bytes
    }
}

extension [UInt8] {
    /// The index just after the first CR LF CR LF, if there is one.
    fileprivate var blankLineEnd: Int? {
        guard count >= 4 else { return nil }
        for index in 0...(count - 4) where self[index] == 13 && self[index + 1] == 10 && self[index + 2] == 13 && self[index + 3] == 10 {
            return index + 4
        }
        return nil
    }
}
