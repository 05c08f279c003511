import Foundation

/// Reading the service's answers: the envelope `{"success", "data"}` or a flat object, both submit
/// shapes, the status words of every published page. Pure functions of the bytes (no network, no key),
/// so that any answer, however broken or hostile, can be tried against them (see `fuzz/`).
public enum ServiceAnswers {
    /// The answer to a submit. Anything without a task id leaves the submit's outcome unknown.
    public static func submitReceipt(_ body: Data) throws(ServiceError) -> SubmitReceipt {
        guard let object = object(body) else {
            throw .submitOutcomeUnknown(detail: "the answer to the submit is not JSON")
        }
        // Two published shapes: {"success", "data": {"id", ...}} and a flat {"task_id", "status"}.
        let data = object["data"] as? [String: Any] ?? object
        guard let id = (data["id"] ?? data["task_id"] ?? data["taskId"]).flatMap(string) else {
            throw .submitOutcomeUnknown(detail: "the answer to the submit has no task id")
        }
        return SubmitReceipt(
            taskID: id, status: (data["status"] as? String) ?? "pending", creditsUsed: integer(data["creditsUsed"]),
            creditsRemaining: integer(data["creditsRemaining"]))
    }

    /// A task as `GET /tasks/{id}` describes it; `id` is the one asked for, used when the answer names none.
    public static func taskStatus(_ body: Data, id: String) throws(ServiceError) -> TaskStatus {
        guard let object = object(body) else { throw .unexpectedResponse(detail: "task \(id): not JSON") }
        let data = object["data"] as? [String: Any] ?? object
        let raw = (data["status"] as? String ?? "").lowercased()
        let state: TaskStatus.State =
            switch raw {
            case "completed", "success", "succeeded": .completed
            case "failed", "error": .failed
            case "processing", "running": .processing
            case "queued": .queued
            default: .pending
            }
        let result = data["result"] as? [String: Any]
        let error = data["error"] as? [String: Any]
        return TaskStatus(
            id: (data["id"] ?? data["task_id"]).flatMap(string) ?? id, state: state, resultURL: result?["url"] as? String,
            errorCode: error?["code"] as? String, errorMessage: error?["message"] as? String, rawStatus: raw)
    }

    /// A fresh download location (`GET /tasks/{id}/download`).
    public static func downloadInfo(_ body: Data, id: String) throws(ServiceError) -> DownloadInfo {
        let data = object(body).flatMap { $0["data"] as? [String: Any] ?? $0 }
        guard let url = data?["url"] as? String else {
            throw .unexpectedResponse(detail: "task \(id): the download answer has no url")
        }
        return DownloadInfo(url: url, type: data?["type"] as? String, expiresAt: data?["expiresAt"] as? String)
    }

    /// The credit balance (`GET /credits`).
    public static func credits(_ body: Data) throws(ServiceError) -> Int {
        let data = object(body).flatMap { $0["data"] as? [String: Any] ?? $0 }
        guard let credits = integer(data?["credits"]) else {
            throw .unexpectedResponse(detail: "the credits answer has no 'credits'")
        }
        return credits
    }

    /// The model ids `GET /models` lists, as strings or as objects with an `id`.
    public static func models(_ body: Data) -> [String] {
        let data = object(body).flatMap { $0["data"] ?? $0["models"] }
        let list = (data as? [Any]) ?? ((data as? [String: Any])?["models"] as? [Any]) ?? []
        return list.compactMap { ($0 as? String) ?? (($0 as? [String: Any])?["id"] as? String) }
    }

    /// The error an unsuccessful answer stands for, by status, with the service's code and message
    /// (`redact` removes the key from the message, should the service ever echo it).
    public static func error(status: Int, body: Data, resetsAt: String?, redact: (String) -> String) -> ServiceError {
        let error = object(body)?["error"] as? [String: Any]
        let code = error?["code"] as? String ?? "HTTP_\(status)"
        let message = redact(error?["message"] as? String ?? String(decoding: body.prefix(200), as: UTF8.self))
        switch status {
        case 400: return .badRequest(code: code, message: message)
        case 401: return .unauthorized(code: code, message: message)
        case 402: return .insufficientCredits(message: message)
        case 403: return .forbidden(code: code, message: message)
        case 404: return .taskNotFound(id: "", message: message)
        case 429: return .rateLimited(message: message, resetsAt: resetsAt)
        default: return .serverError(status: status, code: code, message: message)
        }
    }

    /// The service's own message in an error answer, or "no message".
    public static func message(_ body: Data) -> String {
        ((object(body)?["error"] as? [String: Any])?["message"] as? String) ?? "no message"
    }

    static func object(_ body: Data) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
    }

    /// A string, or an integer written as one (task ids come both ways).
    static func string(_ value: Any) -> String? {
        if let text = value as? String { return text }
        return integer(value).map(String.init)
    }

    /// An integer, from a JSON number that is a whole number within range (never a trap on 1e300 or 0.5).
    static func integer(_ value: Any?) -> Int? {
        guard let number = value as? NSNumber else { return nil }
        return Int(exactly: number.doubleValue)
    }
}
