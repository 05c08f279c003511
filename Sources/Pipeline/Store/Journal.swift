import ErrorVocabulary
import Foundation
import GRDB
import Synchronization

/// Why the journal could not be used.
public enum JournalError: SubjectError, Equatable {
    case cannotOpen(path: String, detail: String)
    /// A write did not reach the disk (full disk, read-only folder…). `code` is SQLite's result code.
    case cannotWrite(path: String, code: Int32, detail: String)
    /// A change of state the table in `ItemState` does not allow: a bug, refused rather than recorded.
    case illegalMove(item: String, from: ItemState, to: ItemState)
    /// The item changed under the writer (compare-and-set failed).
    case conflict(item: String, expected: ItemState?, found: ItemState?)

    /// The journal's file, or the item a refused change was about.
    public var subject: String {
        switch self {
        case .cannotOpen(let path, _), .cannotWrite(let path, _, _): path
        case .illegalMove(let item, _, _), .conflict(let item, _, _): item
        }
    }

    public var reason: String {
        switch self {
        case .cannotOpen(_, let detail): "cannot open the journal: \(detail)"
        case .cannotWrite(_, _, let detail): "cannot write the journal: \(detail)"
        case .illegalMove(_, let from, let to): "the journal refuses to move it from \(from.rawValue) to \(to.rawValue)"
        case .conflict(_, let expected, let found):
            "expected it \(expected?.rawValue ?? "absent") in the journal but found it \(found?.rawValue ?? "absent")"
        }
    }
}

/// The run's memory, in SQLite (through GRDB, WAL, `synchronous = FULL`) inside the output folder. Only one
/// run holds an output folder at a time (`RunLock`), so the rows are kept in memory too and every change
/// is a compare-and-set against them, checked against the transition table of `ItemState`.
///
/// Writes that concern money — a submit's intent, its task id, an unknown or lost task — are durable
/// before `save` returns. Other changes (a verdict, a thumbnail) are gathered and written with the next
/// durable write or every `batchSize` changes: a crash loses at most some verification work, never a task.
public final class Journal: Sendable {
    public let path: String
    let queue: DatabaseQueue
    let state: Mutex<Memory>
    /// Held while a batch is taken and written, so batches reach the disk in the order they were taken.
    private let writing = NSLock()
    /// For the crash tests: after this many commits the process kills itself (SIGKILL).
    private let crashAfter: Int?

    struct Memory {
        var records: [String: ItemRecord] = [:]
        var unsaved: [String: ItemRecord] = [:]
        var hashes: [String: InputHash] = [:]
        var unsavedHashes: [InputHash] = []
        var commits = 0
        /// What the journal keeps of the service (Journal+Service.swift).
        var uploads: [String: UploadRecord] = [:]
        var requestLimits: [String: RequestLimitRecord] = [:]
        var durations: [String: [Double]] = [:]
    }

    /// A file's content hash, remembered with what identifies its version (size, modification time,
    /// inode), so that a later run does not read it again to know it is unchanged.
    struct InputHash: Codable, FetchableRecord, PersistableRecord {
        static let databaseTableName = "input_hashes"
        var path: String
        var bytes: Int64
        var modified: Int64
        var inode: Int64
        var sha256: String
    }

    static let batchSize = 200

    /// Opens (creating when needed) the journal at `path`, and loads it.
    public init(path: String, crashAfterWrites: Int? = nil) throws(JournalError) {
        self.path = path
        crashAfter = crashAfterWrites
        do {
            var configuration = Configuration()
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA journal_mode = WAL")
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            configuration.busyMode = .timeout(5)
            queue = try DatabaseQueue(path: path, configuration: configuration)
            try Self.migrator.migrate(queue)
            let (records, hashes) = try queue.read { db in
                (try ItemRecord.fetchAll(db), try InputHash.fetchAll(db))
            }
            var memory = Memory()
            for record in records { memory.records[record.key] = record }
            for hash in hashes { memory.hashes[hash.path] = hash }
            try Self.loadService(queue, into: &memory)
            state = Mutex(memory)
        } catch {
            throw .cannotOpen(path: path, detail: Self.detail(error))
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v2 item records") { db in
            try db.create(table: ItemRecord.databaseTableName) { table in
                table.primaryKey("key", .text)
                table.column("name", .text).notNull()
                table.column("input", .text)
                table.column("state", .text).notNull()
                for column in ["model", "tier", "ratio", "prompt", "taskID", "backend", "output", "checksum", "format", "verifyKey",
                               "thumbnail", "thumbnailKey"] {
                    table.column(column, .text)
                }
                table.column("distortion", .double)
                for column in ["credits", "outputBytes", "outputModified", "width", "height"] { table.column(column, .integer) }
                table.column("simulated", .boolean).notNull()
                table.column("verified", .boolean)
                table.column("problems", .text).notNull()
                table.column("updatedAt", .double).notNull()
            }
            try db.create(table: InputHash.databaseTableName) { table in
                table.primaryKey("path", .text)
                table.column("bytes", .integer).notNull()
                table.column("modified", .integer).notNull()
                table.column("inode", .integer).notNull()
                table.column("sha256", .text).notNull()
            }
        }
        // The review sheet (issue 13): the size paid for, the reference's thumbnail; added to existing journals.
        migrator.registerMigration("v3 sheet: expected sizes and reference thumbnails") { db in
            try db.alter(table: ItemRecord.databaseTableName) { table in
                for column in ["expected", "confidence", "referenceThumbnail", "referenceThumbnailKey"] { table.add(column: column, .text) }
            }
        }
        // Fitted copies and preset verdicts (issue 12), added to existing journals.
        migrator.registerMigration("v3 fitted copies and preset verdicts") { db in
            try db.alter(table: ItemRecord.databaseTableName) { table in
                for column in ["fitted", "fitKey", "presetKey"] { table.add(column: column, .text) }
                table.add(column: "presets", .text).notNull().defaults(to: "[]")
            }
        }
        migrator.registerMigration("v3 uploads, request limits, task durations, upscales", migrate: migrateService)
        return migrator
    }

    public func record(_ key: String) -> ItemRecord? { state.withLock { $0.records[key] } }

    /// Records `record`, which must be a move the table allows from `expected` (nil: a new item), and
    /// `expected` must be what the journal holds now.
    public func save(_ record: ItemRecord, expected: ItemState?) throws(JournalError) {
        var record = record
        record.updatedAt = Date().timeIntervalSince1970
        let durable = Self.isDurable(record.state, after: expected)
        let due = try state.withLock { memory throws(JournalError) -> Bool in
            let found = memory.records[record.key]?.state
            guard found == expected else { throw .conflict(item: record.name, expected: expected, found: found) }
            if let expected, expected != record.state, !expected.canMove(to: record.state) {
                throw .illegalMove(item: record.name, from: expected, to: record.state)
            }
            let upscaleDurable = try Self.checkUpscale(record, after: memory.records[record.key]?.upscale)
            memory.records[record.key] = record
            memory.unsaved[record.key] = record
            return durable || upscaleDurable || memory.unsaved.count >= Self.batchSize
        }
        if due { try flush() }
    }

    /// Adds new items (those the journal does not know yet), written with the next flush.
    public func insert(_ records: [ItemRecord]) throws(JournalError) {
        state.withLock { memory in
            for record in records where memory.records[record.key] == nil {
                memory.records[record.key] = record
                memory.unsaved[record.key] = record
            }
        }
        try flush()
    }

    /// Writes whatever is gathered, in one transaction.
    public func flush() throws(JournalError) {
        writing.lock()
        defer { writing.unlock() }
        let (batch, hashes) = state.withLock { memory in
            defer { (memory.unsaved, memory.unsavedHashes) = ([:], []) }
            return (Array(memory.unsaved.values), memory.unsavedHashes)
        }
        guard !batch.isEmpty || !hashes.isEmpty else { return }
        do {
            try write(batch, hashes: hashes)
        } catch {
            // Kept for the next try; a newer change of the same item wins.
            state.withLock { memory in
                for record in batch where memory.unsaved[record.key] == nil { memory.unsaved[record.key] = record }
                memory.unsavedHashes += hashes
            }
            throw error
        }
    }

    /// The remembered SHA-256 of the file at `path` when its size, modification time and inode are
    /// still those it was hashed with.
    func cachedHash(path: String, bytes: Int64, modified: Int64, inode: Int64) -> String? {
        state.withLock { memory in
            guard let known = memory.hashes[path], known.bytes == bytes, known.modified == modified, known.inode == inode else { return nil }
            return known.sha256
        }
    }

    func rememberHash(path: String, bytes: Int64, modified: Int64, inode: Int64, sha256: String) {
        let hash = InputHash(path: path, bytes: bytes, modified: modified, inode: inode, sha256: sha256)
        state.withLock { memory in
            memory.hashes[path] = hash
            memory.unsavedHashes.append(hash)
        }
    }

    /// Money is at stake in these moves: they reach the disk before the run goes on.
    static func isDurable(_ next: ItemState, after previous: ItemState?) -> Bool {
        [.submitting, .submitted, .unknown, .lost].contains(next) || previous == .submitting || previous == .submitted
    }

    private func write(_ records: [ItemRecord], hashes: [InputHash]) throws(JournalError) {
        do {
            try queue.write { db in
                for record in records { try record.save(db) }
                for hash in hashes { try hash.save(db) }
            }
        } catch let error as DatabaseError {
            throw .cannotWrite(path: path, code: error.resultCode.rawValue, detail: Self.detail(error))
        } catch {
            throw .cannotWrite(path: path, code: 0, detail: Self.detail(error))
        }
        let commits = state.withLock { memory -> Int in
            memory.commits += 1
            return memory.commits
        }
        if let crashAfter, commits >= crashAfter { kill(getpid(), SIGKILL) }
    }

    static func detail(_ error: Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "SQLite error \(error.resultCode.rawValue)" }
        return "\(error)"
    }
}
