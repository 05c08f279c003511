import ErrorVocabulary

/// What went wrong talking to the service: each published error code has its case, carrying the
/// service's own message (with the API key, should the service ever echo it, removed).
public enum ServiceError: SubjectError, Equatable {
    /// No API key: says exactly what to set.
    case missingAPIKey(variable: String)
    /// The key cannot be sent (a line break, a space, a control or non-ASCII character): nothing was sent.
    case invalidAPIKey(APIKeyError)
    /// 400: INVALID_JSON, MISSING_MODEL, MISSING_PROMPT, INVALID_MODEL and parameter violations.
    case badRequest(code: String, message: String)
    /// 401: MISSING_AUTH_HEADER, INVALID_AUTH_FORMAT, INVALID_KEY_FORMAT, INVALID_API_KEY.
    case unauthorized(code: String, message: String)
    /// 402: INSUFFICIENT_CREDITS ("Required: 60, Available: 45").
    case insufficientCredits(message: String)
    /// 403: a free account, or another user's task.
    case forbidden(code: String, message: String)
    /// 404: TASK_NOT_FOUND.
    case taskNotFound(id: String, message: String)
    /// 429: RATE_LIMITED ("Limit: 500/day. Resets at: ...").
    case rateLimited(message: String, resetsAt: String?)
    /// 500 or 502: the service or its upstream provider failed.
    case serverError(status: Int, code: String, message: String)
    /// The connection failed or timed out before any answer.
    case connection(detail: String)
    /// A submit that never reached the service whole: the connection was refused, the name did not
    /// resolve, TLS failed, or the connection broke before the client had written the entire request
    /// (AsyncHTTPClient reports when the last byte was written). The service cannot have created a task
    /// from it, so nothing was charged and sending it again is safe.
    case submitNotSent(detail: String)
    /// A submit whose fate is unknown: the whole request was written, then the connection dropped or a
    /// 5xx came back. The task may exist and may be charged. Never re-sent automatically; the caller
    /// decides. A 5xx stays here even when the server may have answered without reading the body:
    /// AsyncHTTPClient can say that the request was written, not whether the server read it, and a
    /// submit's JSON is written with its head in one go, so the two cases cannot be told apart.
    case submitOutcomeUnknown(detail: String)
    /// The service answered with a redirect that imagepipe does not follow: to another origin (the key
    /// and a submit's body never go there), or one that would turn a submit into a GET. The request was
    /// answered with the redirect instead of being carried out.
    case redirected(url: String, status: Int, location: String)
    /// The task finished without success.
    case taskFailed(id: String, code: String, message: String)
    /// The task reports success but has no result (NO_RESULT).
    case noResult(id: String)
    /// Polling gave up.
    case timedOut(id: String, seconds: Double)
    /// An answer imagepipe cannot read.
    case unexpectedResponse(detail: String)
    /// A download was refused or went wrong (expired, too large, not an image).
    case download(url: String, detail: String)

    /// The service itself, a task, the variable holding the key, or a URL.
    public var subject: String {
        switch self {
        case .missingAPIKey(let variable): variable
        case .invalidAPIKey(let problem): problem.subject
        case .taskNotFound(let id, _), .taskFailed(let id, _, _), .noResult(let id), .timedOut(let id, _): "task \(id)"
        case .download(let url, _), .redirected(let url, _, _): url
        case .badRequest, .unauthorized, .insufficientCredits, .forbidden, .rateLimited, .serverError, .connection,
             .submitNotSent, .submitOutcomeUnknown, .unexpectedResponse:
            "the service"
        }
    }

    public var reason: String {
        switch self {
        case .missingAPIKey:
            "not set: set it to your VicSee key (it starts with sk-), or use --backend sim"
        case .invalidAPIKey(let problem): problem.reason
        case .badRequest(let code, let message): "refused the request (\(code)): \(message)"
        case .unauthorized(let code, let message): "refused the API key (\(code)): \(message)"
        case .insufficientCredits(let message): "not enough credits (INSUFFICIENT_CREDITS): \(message)"
        case .forbidden(let code, let message): "forbidden (\(code)): \(message)"
        case .taskNotFound(_, let message): "not found (TASK_NOT_FOUND): \(message)"
        case .rateLimited(let message, _): "rate limited (RATE_LIMITED): \(message)"
        case .serverError(let status, let code, let message): "error \(status) (\(code)): \(message)"
        case .connection(let detail): "cannot be reached: \(detail)"
        case .submitNotSent(let detail):
            "the submit was not sent (\(detail)); no task was created and nothing was charged, so it is safe to send again"
        case .submitOutcomeUnknown(let detail):
            "the submit's outcome is unknown (\(detail)); the task may exist and be charged, so it was not re-sent"
        case .taskFailed(_, let code, let message): "failed (\(code)): \(message)"
        case .noResult: "finished without a result (NO_RESULT)"
        case .timedOut(_, let seconds): "did not finish within \(Int(seconds)) s"
        case .unexpectedResponse(let detail): "unexpected answer: \(detail)"
        case .download(_, let detail): "cannot download it: \(detail)"
        case .redirected(_, let status, let location):
            "answered \(status), redirecting to \(location); imagepipe does not follow it (the key and a submit "
                + "go only to the configured origin, and a submit is never turned into a GET): check --base-url"
        }
    }

    /// Whether a read that failed this way is worth trying again after a pause.
    var isTransient: Bool {
        switch self {
        case .rateLimited, .connection: true
        case .serverError(let status, _, _): status == 500 || status == 502 || status == 503
        default: false
        }
    }
}
