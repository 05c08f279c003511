import Foundation
import Testing
@testable import Pipeline

@Suite struct JournalTests {
    func journal() throws -> (Journal, String) {
        let path = temporaryDirectory() + "/journal.sqlite"
        return (try Journal(path: path), path)
    }

    /// Every pair of states, against the table: a move the table allows is recorded, any other is refused
    /// (and the journal keeps what it had).
    @Test func theTransitionTableIsEnforcedExhaustively() throws {
        for from in ItemState.allCases {
            for to in ItemState.allCases {
                let (journal, _) = try journal()
                var record = ItemRecord(key: "k", name: "item", input: nil)
                record.state = from
                try journal.insert([record])
                record.state = to
                let allowed = from == to || from.canMove(to: to)
                do {
                    try journal.save(record, expected: from)
                    #expect(allowed, "\(from) → \(to) was recorded")
                    #expect(journal.record("k")?.state == to)
                } catch {
                    #expect(!allowed, "\(from) → \(to) was refused: \(error)")
                    #expect(error == .illegalMove(item: "item", from: from, to: to))
                    #expect(journal.record("k")?.state == from)
                }
            }
        }
    }

    /// What the table must never allow, whatever else changes in it.
    @Test func moneyMovesAreOneWay() {
        #expect(!ItemState.submitting.canMove(to: .pending))
        #expect(!ItemState.unknown.canMove(to: .pending) && !ItemState.unknown.canMove(to: .failed))
        #expect(!ItemState.submitted.canMove(to: .submitting) && !ItemState.submitted.canMove(to: .pending))
        #expect(!ItemState.done.canMove(to: .submitting) && !ItemState.rejected.canMove(to: .submitting))
        for state in ItemState.allCases where state.canMove(to: .submitting) {
            #expect(state.isUnsent || state == .unknown || state == .lost, "\(state) may submit")
        }
    }

    @Test func aStaleWriterIsRefused() throws {
        let (journal, _) = try journal()
        var record = ItemRecord(key: "k", name: "item", input: nil)
        try journal.insert([record])
        record.state = .submitting
        try journal.save(record, expected: .pending)
        record.state = .failed
        #expect(throws: JournalError.conflict(item: "item", expected: .pending, found: .submitting)) {
            try journal.save(record, expected: .pending)
        }
    }

    /// Money moves are on disk when `save` returns; a verdict waits for the next durable write or flush.
    @Test func moneyMovesAreDurableAtOnce() throws {
        let (journal, path) = try journal()
        var record = ItemRecord(key: "k", name: "item", input: nil)
        try journal.insert([record])
        record.state = .submitting
        try journal.save(record, expected: .pending)
        record.state = .submitted
        record.taskID = "task_1"
        try journal.save(record, expected: .submitting)
        #expect(try Journal(path: path).record("k")?.taskID == "task_1")
        record.state = .downloaded
        try journal.save(record, expected: .submitted)
        record.state = .done
        record.problems = [ItemProblem(.renamed, subject: "x.png", reason: "named .png but is JPEG")]
        try journal.save(record, expected: .downloaded)
        #expect(try Journal(path: path).record("k")?.state == .downloaded)
        try journal.flush()
        let reopened = try Journal(path: path).record("k")
        #expect(reopened?.state == .done && reopened?.problems == record.problems)
    }
}
