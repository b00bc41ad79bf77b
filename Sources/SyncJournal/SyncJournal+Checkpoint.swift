import Foundation
import GRDB
import TeamSyncCore

extension SyncJournal {
    /// This journal's id (made when it was created), which its checkpoints name.
    package func journalID() async throws -> String {
        try await database.read { db in
            guard let id = try String.fetchOne(db, sql: "SELECT value FROM journal_meta WHERE key = 'journal_id'") else {
                throw JournalError(.corrupt, "journal_meta has no journal_id")
            }
            return id
        }
    }

    /// After a run: a checkpoint of the audit log's head, signed with `key` (unsigned without
    /// one), appended to the log as a `checkpoint` record whose reason is the checkpoint's line.
    /// Nil when there is nothing new since the last checkpoint (or no record at all).
    package func appendCheckpoint(runID: String, key: AuditSigningKey?, now: Date) async throws -> AuditCheckpoint? {
        try await database.write { db in
            guard let head = try Row.fetchOne(db, sql: "SELECT seq, hash, action FROM audit_log ORDER BY seq DESC LIMIT 1"),
                  (head["action"] as String) != AuditAction.checkpoint.rawValue
            else { return nil }
            guard let journalID = try String.fetchOne(db, sql: "SELECT value FROM journal_meta WHERE key = 'journal_id'") else {
                throw JournalError(.corrupt, "journal_meta has no journal_id")
            }
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

    /// Checks `checkpoint` against this journal: its id, its head, and (with `key`) the signature.
    package func check(_ checkpoint: AuditCheckpoint, key: AuditPublicKey?) async throws -> CheckpointFinding {
        if let key {
            guard checkpoint.signature != nil else { return .unsigned }
            guard checkpoint.isSigned(by: key) else { return .notSignedByKey }
        }
        let id = try await journalID()
        guard checkpoint.journalID == id else { return .otherJournal(id) }
        return try await database.read { db in
            let head = try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM audit_log") ?? 0
            guard checkpoint.seq <= head else { return .beyondHead(head: head) }
            let hash = try String.fetchOne(db, sql: "SELECT hash FROM audit_log WHERE seq = ?", arguments: [checkpoint.seq])
            return hash == checkpoint.headHash ? .holds : .otherRecord
        }
    }
}
