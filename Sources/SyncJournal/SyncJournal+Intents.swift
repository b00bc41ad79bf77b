import Foundation
import GRDB
import TeamSyncCore

extension SyncJournal {
    /// Records, before the Podero call, what is about to be done.
    package func recordIntent(runID: String, action: PlanAction, now: Date) async throws -> Int64 {
        try await database.write { db in
            try db.execute(sql: """
                INSERT INTO intent (run_id, action, external_id, podero_id, email, role, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [runID, action.kind.rawValue, action.person.rawValue, action.poderoID, action.email,
                    (action.roleAfter ?? action.roleBefore)?.rawValue, now.timeIntervalSince1970])
            return db.lastInsertedRowID
        }
    }

    /// Records an outcome in one transaction: the intent is completed, the managed account
    /// changed, and the audit records appended. Either all of it is stored or none.
    package func complete(intent: Int64, outcome: IntentOutcome, change: ManagedChange?, audit: [AuditRecord], now: Date) async throws {
        try await database.write { db in
            try db.execute(sql: "UPDATE intent SET completed_at = ?, outcome = ? WHERE id = ? AND completed_at IS NULL",
                arguments: [now.timeIntervalSince1970, outcome.rawValue, intent])
            guard db.changesCount == 1 else {
                throw JournalError(.corrupt, "journal row intent id=\(intent): not open, cannot be completed")
            }
            if let change { try Self.apply(change, now: now, in: db) }
            try Self.append(audit, in: db)
        }
    }

    /// A journal-only change with its audit records, in one transaction.
    package func record(_ change: ManagedChange, audit: [AuditRecord], now: Date) async throws {
        try await database.write { db in
            try Self.apply(change, now: now, in: db)
            try Self.append(audit, in: db)
        }
    }

    /// Intents of earlier runs that never completed, oldest first.
    package func openIntents() async throws -> [OpenIntent] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM intent WHERE completed_at IS NULL ORDER BY id").map { row in
                let id: Int64 = row["id"]
                let role = try (row["role"] as String?).map {
                    try JournalValue.decode(Role.self, $0, table: "intent", row: "id=\(id)", column: "role")
                }
                return OpenIntent(
                    id: id, runID: row["run_id"],
                    action: try JournalValue.decode(PlanAction.Kind.self, row["action"], table: "intent", row: "id=\(id)", column: "action"),
                    externalID: (row["external_id"] as String?).map(ExternalID.init), poderoID: row["podero_id"],
                    email: row["email"], role: role)
            }
        }
    }
}
