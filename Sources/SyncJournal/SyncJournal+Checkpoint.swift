import Foundation
import GRDB
import TeamSyncCore

extension SyncJournal {
    /// This journal's id (made when it was created), which its checkpoints name.
    package func journalID() async throws -> String {
        try await database.read(Self.journalID)
    }

    private static func journalID(in db: Database) throws -> String {
        guard let id = try String.fetchOne(db, sql: "SELECT value FROM journal_meta WHERE key = 'journal_id'") else {
            throw JournalError(.corrupt, "journal_meta has no journal_id")
        }
        return id
    }

    /// After a run: a checkpoint of the audit log's head, signed with `key` (unsigned without
    /// one), appended to the log as a `checkpoint` record whose reason is the checkpoint's line.
    /// Nil when there is nothing new since the last checkpoint (or no record at all).
    package func appendCheckpoint(runID: String, key: AuditSigningKey?, now: Date) async throws -> AuditCheckpoint? {
        try await database.write { db in
            guard let head = try Row.fetchOne(db, sql: "SELECT seq, hash, action FROM audit_log ORDER BY seq DESC LIMIT 1"),
                  (head["action"] as String) != AuditAction.checkpoint.rawValue
            else { return nil }
            let journalID = try Self.journalID(in: db)
            let time = AuditTime.format(now)
            let checkpoint = try AuditCheckpoint(journalID: journalID, seq: head["seq"], headHash: head["hash"], time: time).signed(with: key)
            try Self.append([AuditRecord(time: now, runID: runID, action: .checkpoint, outcome: .ok, reason: checkpoint.line)], in: db)
            return checkpoint
        }
    }

    /// The checkpoints this journal holds (its `checkpoint` records), oldest first; records whose
    /// reason is not a checkpoint are returned by seq in `unreadable`.
    package func storedCheckpoints() async throws -> (checkpoints: [AuditCheckpoint], unreadable: [Int64]) {
        try await database.read { db in
            let rows = try Row.fetchCursor(db, sql: "SELECT seq, reason FROM audit_log WHERE action = ? ORDER BY seq",
                arguments: [AuditAction.checkpoint.rawValue])
            var checkpoints: [AuditCheckpoint] = []
            var unreadable: [Int64] = []
            while let row = try rows.next() {
                if let reason: String = row["reason"], let checkpoint = AuditCheckpoint.parse(line: reason) {
                    checkpoints.append(checkpoint)
                } else {
                    unreadable.append(row["seq"])
                }
            }
            return (checkpoints, unreadable)
        }
    }

    /// What a checkpoint says against this journal.
    package enum CheckpointFinding: Sendable, Equatable {
        case holds
        case unsigned
        case notSignedByKey
        case otherJournal(String)
        /// The log ends below the checkpoint's seq: cut, or an older copy.
        case beyondHead(head: Int64)
        /// The record at the checkpoint's seq is another one: a replaced or rewritten log.
        case otherRecord
    }

    /// Checks each checkpoint against this journal, in one read: its id, its head, and (with
    /// `key`) the signature. The findings are in the order of `checkpoints`.
    package func check(_ checkpoints: [AuditCheckpoint], key: AuditPublicKey?) async throws -> [CheckpointFinding] {
        try await database.read { db in
            let id = try Self.journalID(in: db)
            let head = try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM audit_log") ?? 0
            let hash = try db.makeStatement(sql: "SELECT hash FROM audit_log WHERE seq = ?")
            return try checkpoints.map { checkpoint in
                if let key {
                    guard checkpoint.signature != nil else { return .unsigned }
                    guard checkpoint.isSigned(by: key) else { return .notSignedByKey }
                }
                guard checkpoint.journalID == id else { return .otherJournal(id) }
                guard checkpoint.seq <= head else { return .beyondHead(head: head) }
                return try String.fetchOne(hash, arguments: [checkpoint.seq]) == checkpoint.headHash ? .holds : .otherRecord
            }
        }
    }

    /// Checks one checkpoint (see `check(_:key:)`).
    package func check(_ checkpoint: AuditCheckpoint, key: AuditPublicKey?) async throws -> CheckpointFinding {
        try await check([checkpoint], key: key)[0]
    }
}
