import Foundation
import GRDB

/// What the journal keeps beyond the items: the references uploaded to the service (reused while
/// valid), the service's daily request limit as last seen (for `plan`), and how long tasks took (for
/// adaptive polling). Added by migration v3, which also gives each item its upscale.
extension Journal {
    static func migrateService(_ db: Database) throws {
        try db.create(table: UploadRecord.databaseTableName) { table in
            table.column("content", .text).notNull()
            table.column("service", .text).notNull()
            table.column("publicURL", .text).notNull()
            table.column("key", .text).notNull()
            table.column("expiresAt", .text)
            table.column("bytes", .integer).notNull()
            table.column("uploadedAt", .double).notNull()
            table.primaryKey(["content", "service"])
        }
        try db.create(table: RequestLimitRecord.databaseTableName) { table in
            table.primaryKey("service", .text)
            table.column("limit", .integer)
            table.column("remaining", .integer)
            table.column("reset", .text)
            table.column("seenAt", .double).notNull()
        }
        try db.create(table: DurationRecord.databaseTableName) { table in
            table.primaryKey("kind", .text)
            table.column("seconds", .text).notNull()
        }
        try db.alter(table: ItemRecord.databaseTableName) { table in
            table.add(column: "upscale", .text)
        }
    }

    static func loadService(_ queue: DatabaseQueue, into memory: inout Memory) throws {
        let (uploads, limits, durations) = try queue.read { db in
            (try UploadRecord.fetchAll(db), try RequestLimitRecord.fetchAll(db), try DurationRecord.fetchAll(db))
        }
        for upload in uploads { memory.uploads[upload.content + " " + upload.service] = upload }
        for limit in limits { memory.requestLimits[limit.service] = limit }
        for duration in durations { memory.durations[duration.kind] = duration.seconds }
    }

    /// The upscale's move must be one the table of `ItemState` allows (a new upscale, with another key,
    /// may start anywhere); true when it concerns money and must reach the disk at once.
    static func checkUpscale(_ record: ItemRecord, after previous: UpscaleRecord?) throws(JournalError) -> Bool {
        guard let next = record.upscale else { return false }
        let before = previous?.key == next.key ? previous?.state : nil
        if let before, before != next.state, !before.canMove(to: next.state) {
            throw .illegalMove(item: record.name + " (upscale)", from: before, to: next.state)
        }
        return isDurable(next.state, after: before)
    }

    /// The upload of `content` (a SHA-256) to `service`, when one is recorded.
    public func upload(content: String, service: String) -> UploadRecord? {
        state.withLock { $0.uploads[content + " " + service] }
    }

    /// Records an upload at once: it saves a request (and bytes) on every later use.
    public func recordUpload(_ upload: UploadRecord) throws(JournalError) {
        state.withLock { $0.uploads[upload.content + " " + upload.service] = upload }
        try writeService { db in try upload.save(db) }
    }

    /// The request limit each service last stated.
    public var requestLimits: [RequestLimitRecord] { state.withLock { Array($0.requestLimits.values) } }

    public func recordRequestLimit(_ limit: RequestLimitRecord) throws(JournalError) {
        state.withLock { $0.requestLimits[limit.service] = limit }
        try writeService { db in try limit.save(db) }
    }

    /// Task durations by kind, as `TaskDurations` takes them.
    public var durations: [String: [Double]] { state.withLock { $0.durations } }

    public func recordDurations(_ durations: [String: [Double]]) throws(JournalError) {
        state.withLock { $0.durations = durations }
        try writeService { db in
            for (kind, seconds) in durations { try DurationRecord(kind: kind, seconds: seconds).save(db) }
        }
    }

    private func writeService(_ change: @escaping (Database) throws -> Void) throws(JournalError) {
        do {
            try queue.write(change)
        } catch {
            throw .cannotWrite(path: path, code: (error as? DatabaseError)?.resultCode.rawValue ?? 0, detail: Self.detail(error))
        }
    }
}
