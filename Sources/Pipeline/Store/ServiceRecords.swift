import GRDB

/// A reference put in the service's storage (`publish upload`), by the SHA-256 of its bytes and the
/// service: reused while its `expiresAt` is ahead, so a resumed run never uploads again what is still
/// valid.
public struct UploadRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "uploads"
    public var content: String
    /// The service's API root.
    public var service: String
    public var publicURL: String
    public var key: String
    /// ISO 8601, as the service gave it; nil when it gave none (then the upload is not reused).
    public var expiresAt: String?
    public var bytes: Int
    public var uploadedAt: Double
}

/// The daily request limit as a service's answers last stated it (`X-RateLimit-*`), and when: `plan`
/// compares a batch's requests with it without asking the service.
public struct RequestLimitRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "request_limits"
    public var service: String
    public var limit: Int?
    public var remaining: Int?
    /// ISO 8601 time the count resets.
    public var reset: String?
    public var seenAt: Double
}

/// How long a kind of task took (`TaskDurations`), for adaptive polling in later runs.
struct DurationRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "task_durations"
    var kind: String
    var seconds: [Double]
}
