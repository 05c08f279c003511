import Foundation
import ImageCore

/// The simulator's memory on disk, for the simulator imagepipe runs inside `run`: its tasks, balances and
/// outputs live in the output folder, so that an interrupted run started again polls the same tasks and
/// is charged nothing twice — as it would be with the real service, whose tasks outlive the client.
///
/// An append-only log (`events.jsonl`, one JSON object per change, synced) is replayed on start; outputs
/// and fetched references are files beside it. A line cut short by a crash is ignored.
final class SimulatorStore {
    /// One change to the ledger.
    struct Event: Codable {
        enum Kind: String, Codable { case created, processing, completed, failed }
        var kind: Kind
        var id: String
        // created
        var owner: String?
        var model: String?
        var prompt: String?
        var cost: Int?
        var tier: String?
        var aspect: String?
        var urls: [String]?
        var fingerprint: String?
        var createdAt: Double?
        /// Set for an upscale task.
        var upscaleFactor: Int?
        // completed
        var status: String?
        // failed
        var errorCode: String?
        var errorKey: String?
        var errorMessage: String?
    }

    let directory: String
    private let log: FileHandle

    init(directory: String) throws {
        self.directory = directory
        guard AtomicFile.makeDirectories(directory + "/files") else { throw SimulatorError.cannotStore(directory: directory) }
        let path = directory + "/events.jsonl"
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        guard let handle = FileHandle(forUpdatingAtPath: path) else { throw SimulatorError.cannotStore(directory: directory) }
        _ = try? handle.seekToEnd()
        log = handle
    }

    deinit { try? log.close() }

    /// Every whole event logged so far, in order.
    func events() -> [Event] {
        guard let data = FileManager.default.contents(atPath: directory + "/events.jsonl") else { return [] }
        let decoder = JSONDecoder()
        return data.split(separator: UInt8(ascii: "\n")).compactMap { try? decoder.decode(Event.self, from: Data($0)) }
    }

    func append(_ event: Event) {
        guard var line = try? JSONEncoder().encode(event) else { return }
        line.append(UInt8(ascii: "\n"))
        try? log.write(contentsOf: line)
        try? log.synchronize()
    }

    func saveOutput(_ bytes: [UInt8], task id: String) { try? AtomicFile.write(bytes, to: path(id, "output")) }
    func output(task id: String) -> [UInt8]? { FileManager.default.contents(atPath: path(id, "output")).map(Array.init) }
    func saveReference(_ bytes: [UInt8], task id: String) { try? AtomicFile.write(bytes, to: path(id, "reference")) }
    func reference(task id: String) -> [UInt8]? { FileManager.default.contents(atPath: path(id, "reference")).map(Array.init) }

    private func path(_ id: String, _ kind: String) -> String {
        directory + "/files/" + id.filter { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" } + "." + kind
    }
}
