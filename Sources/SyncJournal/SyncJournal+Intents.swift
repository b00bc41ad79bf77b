import Foundation
import GRDB
import TeamSyncCore

/// A Podero call that was announced but whose outcome was never recorded (the process died).
package struct OpenIntent: Sendable, Equatable {
    package var id: Int64
    package var runID: String
    package var action: String
    package var externalID: ExternalID?
    package var poderoID: String?
    package var email: String?
    package var role: Role?
}

extension SyncJournal {
    /// Records, before the Podero call, what is about to be done.
    package func recordIntent(runID: String, action: PlanAction, now: Date) async throws -> Int64 {
        try await database.write { db in
            try db.execute(sql: """
                INSERT INTO intent (run_id, action, external_id, podero_id, email, role, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [runID, action.kind.rawValue, action.externalID?.rawValue, action.poderoID, action.email,
                    (action.roleAfter ?? action.roleBefore)?.rawValue, now.timeIntervalSince1970])
            return db.lastInsertedRowID
        }
    }

    /// Records an outcome in one transaction: the intent is completed, the managed account
    /// changed, and the audit records appended. Either all of it is stored or none.
    package func complete(intent: Int64?, outcome: String, change: ManagedChange?, audit: [AuditRecord], now: Date) async throws {
        try await database.write { db in
            if let intent {
                try db.execute(sql: "UPDATE intent SET completed_at = ?, outcome = ? WHERE id = ?",
                    arguments: [now.timeIntervalSince1970, outcome, intent])
            }
            if let change { try Self.apply(change, now: now, in: db) }
            try Self.append(audit, in: db)
        }
    }

    /// Intents of earlier runs that never completed, oldest first.
    package func openIntents() async throws -> [OpenIntent] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM intent WHERE completed_at IS NULL ORDER BY id").map { row in
                OpenIntent(
                    id: row["id"], runID: row["run_id"], action: row["action"],
                    externalID: (row["external_id"] as String?).map(ExternalID.init), poderoID: row["podero_id"],
                    email: row["email"], role: (row["role"] as String?).flatMap(Role.init(rawValue:)))
            }
        }
    }
}
