import Foundation
import GRDB

/// The run's memory, in SQLite (through GRDB) inside the output folder. Every state change is committed
/// with `synchronous = FULL` before the runner goes on: in particular a task id is on disk before the
/// submit that produced it counts as done, so a run killed at any moment resumes without paying again.
public final class Journal: Sendable {
    public enum State: String, Sendable {
        /// Known, nothing done yet (or a failed attempt that may be tried again).
        case pending
        /// A submit is being sent: if the run dies now, whether a task exists is unknown.
        case submitting
        /// The service has the task; its id is recorded.
        case submitted
        /// The output is on disk, its checksum recorded.
        case downloaded
        /// The output passed (or failed) verification; thumbnails come next.
        case done
        case failed
        /// A submit whose outcome is unknown: reported, and only re-sent when the user asks.
        case unknown
    }

    public struct Entry: Sendable, Equatable {
        public var key: String
        public var name: String
        public var state: State
        public var taskID: String?
        public var credits: Int?
        public var output: String?
        public var checksum: String?
        public var ratio: String?
        public var error: String?
    }

    private let queue: DatabaseQueue
    /// For the crash tests: after this many committed writes the process kills itself (SIGKILL).
    private let crashAfter: Int?
    private let writes = Mutex(0)

    public init(path: String, crashAfterWrites: Int? = nil) throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        queue = try DatabaseQueue(path: path, configuration: configuration)
        crashAfter = crashAfterWrites
        try queue.write { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS items (
                    key TEXT PRIMARY KEY, name TEXT NOT NULL, state TEXT NOT NULL, task_id TEXT, credits INTEGER,
                    output TEXT, checksum TEXT, ratio TEXT, error TEXT, updated_at REAL NOT NULL)
                """)
        }
    }

    public func entry(_ key: String) throws -> Entry? {
        try queue.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM items WHERE key = ?", arguments: [key]).map(Self.entry)
        }
    }

    public func all() throws -> [Entry] {
        try queue.read { db in try Row.fetchAll(db, sql: "SELECT * FROM items ORDER BY name").map(Self.entry) }
    }

    /// Writes `entry` and returns only once it is durable.
    public func save(_ entry: Entry) throws {
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO items (key, name, state, task_id, credits, output, checksum, ratio, error, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(key) DO UPDATE SET name = excluded.name, state = excluded.state, task_id = excluded.task_id,
                    credits = excluded.credits, output = excluded.output, checksum = excluded.checksum, ratio = excluded.ratio,
                    error = excluded.error, updated_at = excluded.updated_at
                """, arguments: [entry.key, entry.name, entry.state.rawValue, entry.taskID, entry.credits, entry.output,
                                 entry.checksum, entry.ratio, entry.error, Date().timeIntervalSince1970])
        }
        let count = writes.withLock { value -> Int in
            value += 1
            return value
        }
        // A crash point after the write is durable, never between a submit's intent and its answer.
        if let crashAfter, count >= crashAfter, entry.state != .submitting { kill(getpid(), SIGKILL) }
    }

    private static func entry(_ row: Row) -> Entry {
        Entry(key: row["key"], name: row["name"], state: State(rawValue: row["state"]) ?? .pending, taskID: row["task_id"],
              credits: row["credits"], output: row["output"], checksum: row["checksum"], ratio: row["ratio"], error: row["error"])
    }
}

import Synchronization
