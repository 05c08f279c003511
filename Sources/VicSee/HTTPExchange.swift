import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// One HTTP request and its answer, collected through AsyncHTTPClient's delegate interface because only
/// that interface says when the last byte of the request was written (`didSendRequest`). That moment
/// divides a failed submit into "not sent" (safe to send again) and "sent, answer lost" (may be charged).
final class HTTPExchange: HTTPClientResponseDelegate, Sendable {
    typealias Response = Answer

    /// A whole answer: status, headers and body (at most `limit` bytes).
    struct Answer: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: Data
    }

    private struct State {
        var requestWritten = false
        var head: HTTPResponseHead?
        var body = ByteBuffer()
    }

    private let state = Mutex(State())
    private let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    /// Whether every byte of the request was handed to the connection.
    var requestWritten: Bool { state.withLock { $0.requestWritten } }

    func didSendRequest(task: HTTPClient.Task<Answer>) {
        state.withLock { $0.requestWritten = true }
    }

    func didReceiveHead(task: HTTPClient.Task<Answer>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        state.withLock { $0.head = head }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Answer>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        let tooLarge = state.withLock { state -> Bool in
            guard state.body.readableBytes + buffer.readableBytes <= limit else { return true }
            var buffer = buffer
            state.body.writeBuffer(&buffer)
            return false
        }
        return tooLarge ? task.eventLoop.makeFailedFuture(AnswerTooLarge(limit: limit)) : task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<Answer>) throws -> Answer {
        try state.withLock { state in
            guard let head = state.head else { throw HTTPClientError.remoteConnectionClosed }
            return Answer(status: Int(head.status.code), headers: head.headers, body: Data(state.body.readableBytesView))
        }
    }

    struct AnswerTooLarge: Error {
        var limit: Int
    }
}

/// A request that got no answer: what happened, in words that never include request headers (some
/// AsyncHTTPClient errors repeat them, the API key included), and whether the whole request had been
/// written before it failed.
struct TransportFailure: Error {
    var detail: String
    var requestWritten: Bool

    /// `url` names the host in the words when the error itself does not.
    init(_ error: Error, requestWritten: Bool, url: String) {
        let reason = Self.describe(error)
        switch error {
        case is IOError, is ChannelError:
            let components = URLComponents(string: url)
            let origin = (components?.host ?? "?") + (components?.port.map { ":\($0)" } ?? "")
            self.detail = (requestWritten ? "the connection to \(origin) failed: " : "cannot connect to \(origin): ") + reason
        default:
            self.detail = reason
        }
        self.requestWritten = requestWritten
    }

    /// Words for a transport error, built from its type and fields. An error of a type not known here
    /// is named by its type only: its own description could carry what was sent.
    static func describe(_ error: Error) -> String {
        switch error {
        case let error as HTTPClientError:
            let known: [(HTTPClientError, String)] = [
                (.connectTimeout, "the connection could not be made in time"),
                (.remoteConnectionClosed, "the connection was closed before the answer came"),
                (.readTimeout, "no answer in time"), (.writeTimeout, "the request could not be written in time"),
                (.deadlineExceeded, "no answer in time"), (.cancelled, "cancelled"),
                (.tlsHandshakeTimeout, "the TLS handshake timed out"),
                (.getConnectionFromPoolTimeout, "no connection became free in time"),
                (.invalidURL, "invalid URL"), (.emptyHost, "the URL has no host"), (.emptyScheme, "the URL has no scheme"),
                (.alreadyShutdown, "the HTTP client is shut down"),
            ]
            return known.first { $0.0 == error }?.1 ?? "the HTTP client refused the request (details withheld: they can contain request headers)"
        case let error as NIOConnectionError:
            let target = "\(error.host):\(error.port)"
            if error.dnsAError != nil || error.dnsAAAAError != nil, error.connectionErrors.isEmpty {
                return "cannot resolve the host name \(error.host)"
            }
            let reasons = error.connectionErrors.map { describe($0.error) }
            return "cannot connect to \(target)" + (reasons.first.map { ": \($0)" } ?? "")
        case let error as IOError:
            return String(cString: strerror(error.errnoCode))
        case let error as ChannelError:
            switch error {
            case .connectTimeout: return "the connection could not be made in time"
            case .eof, .outputClosed, .inputClosed, .alreadyClosed, .ioOnClosedChannel:
                return "the connection was closed before the answer came"
            default: return "connection error"
            }
        case is SocketAddressError:
            return "cannot resolve the host name"
        case let error as HTTPExchange.AnswerTooLarge:
            return "the answer is larger than \(error.limit) bytes"
        default:
            let type = String(describing: type(of: error))
            return type.contains("SSL") || type.contains("TLS") ? "TLS failed (\(type))" : "transport error (\(type))"
        }
    }
}
