/// The three rate-limit headers every answer carries.
public struct RateLimit: Sendable, Equatable {
    public var limit: Int?
    public var remaining: Int?
    /// ISO 8601 time the daily count resets.
    public var reset: String?
}

/// What a submit answered: the task id, durable from here on, and what it cost.
public struct SubmitReceipt: Sendable, Equatable {
    public var taskID: String
    public var status: String
    public var creditsUsed: Int?
    public var creditsRemaining: Int?
}

/// A task as `GET /tasks/{id}` describes it.
public struct TaskStatus: Sendable, Equatable {
    public enum State: String, Sendable {
        case pending, processing, queued, completed, failed
    }

    public var id: String
    public var state: State
    public var resultURL: String?
    public var errorCode: String?
    public var errorMessage: String?
    /// The raw status word: the service says `completed` on one page and `success` on another.
    public var rawStatus: String
}

/// Where to fetch a finished task's output (`GET /tasks/{id}/download`).
public struct DownloadInfo: Sendable, Equatable {
    public var url: String
    public var type: String?
    public var expiresAt: String?
}
