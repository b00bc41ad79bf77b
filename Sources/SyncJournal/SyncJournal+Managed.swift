import Foundation
import GRDB
import TeamSyncCore

extension SyncJournal {
    /// Every account the journal owns.
    package func managedAccounts() async throws -> [ManagedAccount] {
        try await database.read { db in
            // A cursor reuses one row, and columns are read by position: a journal of 100,000
            // accounts loads without 100,000 row copies and name look-ups.
            let rows = try Row.fetchCursor(db, sql: """
                SELECT external_id, podero_id, email, role, state, first_seen, adopted,
                       departed_since, soft_deleted_at, blocked_since, blocked_by, last_dn, expires_at
                FROM managed_account
                """)
            var accounts: [ManagedAccount] = []
            while let row = try rows.next() { accounts.append(try Self.managedAccount(row)) }
            return accounts
        }
    }

    package func managedAccounts(externalIDs: Set<ExternalID>, lastDNs: Set<String>) async throws -> [ManagedAccount] {
        guard !externalIDs.isEmpty || !lastDNs.isEmpty else { return [] }
        return try await database.read { db in
            var accounts: [ManagedAccount] = []
            var seen = Set<String>()
            // In slices: SQLite limits the number of bound parameters.
            for (column, values) in [("external_id", externalIDs.map(\.rawValue)), ("last_dn", Array(lastDNs))] {
                for start in stride(from: 0, to: values.count, by: 500) {
                    let slice = Array(values[start..<min(start + 500, values.count)])
                    let rows = try Row.fetchCursor(db, sql: """
                        SELECT external_id, podero_id, email, role, state, first_seen, adopted,
                               departed_since, soft_deleted_at, blocked_since, blocked_by, last_dn, expires_at
                        FROM managed_account WHERE \(column) IN (\(slice.map { _ in "?" }.joined(separator: ",")))
                        """, arguments: StatementArguments(slice))
                    while let row = try rows.next() {
                        let account = try Self.managedAccount(row)
                        if seen.insert(account.externalID.rawValue).inserted { accounts.append(account) }
                    }
                }
            }
            return accounts
        }
    }

    /// A row of the query in `managedAccounts()`, by column position.
    private static func managedAccount(_ row: Row) throws -> ManagedAccount {
        let externalID: String = row[0]
        let key = "external_id=\(externalID)"
        let state: ManagedAccount.State
        switch try JournalValue.decode(StoredState.self, row[4], table: "managed_account", row: key, column: "state") {
        case .active: state = .active
        case .departed: state = .departed(since: Date(timeIntervalSince1970: try Self.time(row[7], key, "departed_since")))
        case .softDeleted: state = .softDeleted(at: Date(timeIntervalSince1970: try Self.time(row[8], key, "soft_deleted_at")))
        case .restoreBlocked:
            state = .restoreBlocked(since: Date(timeIntervalSince1970: try Self.time(row[9], key, "blocked_since")), blockedBy: row[10])
        }
        return ManagedAccount(
            externalID: ExternalID(externalID), poderoID: row[1], email: row[2],
            role: try JournalValue.decode(Role.self, row[3], table: "managed_account", row: key, column: "role"), state: state,
            firstSeen: Date(timeIntervalSince1970: row[5]), adopted: row[6], lastDN: row[11],
            expiresAt: (row[12] as Double?).map(Date.init(timeIntervalSince1970:)))
    }

    /// A time a state needs; a missing one is corruption, never "the epoch".
    private static func time(_ value: Double?, _ key: String, _ column: String) throws -> Double {
        guard let value else { throw JournalError(.corrupt, "journal row managed_account \(key): \(column) is NULL for its state") }
        return value
    }

    /// The `state` column's values.
    enum StoredState: String, CaseIterable {
        case active, departed
        case softDeleted = "soft_deleted"
        case restoreBlocked = "restore_blocked"
    }

    /// Live managed accounts per role, pending departures and cases needing a human, counted by SQLite.
    package func managedCounts() async throws -> ManagedCounts {
        try await database.read { db in
            var counts = ManagedCounts()
            for row in try Row.fetchAll(db, sql: "SELECT role, state, count(*) FROM managed_account GROUP BY role, state") {
                let role = try JournalValue.decode(Role.self, row[0], table: "managed_account", row: "(counted)", column: "role")
                let state = try JournalValue.decode(StoredState.self, row[1], table: "managed_account", row: "(counted)", column: "state")
                let count: Int = row[2]
                if state == .active || state == .departed { counts.live[role, default: 0] += count }
                if state == .departed { counts.pendingDepartures += count }
                if state == .restoreBlocked { counts.needsAttention += count }
            }
            counts.needsAttention += try Int.fetchOne(db, sql: "SELECT count(*) FROM attention WHERE kind IN \(Self.attentionKinds)") ?? 0
            return counts
        }
    }

    /// Applies one change inside an open write transaction.
    static func apply(_ change: ManagedChange, now: Date, in db: Database) throws {
        let stamp = now.timeIntervalSince1970
        switch change {
        case .active(let externalID, let poderoID, let email, let role, let adopted):
            try db.execute(sql: """
                INSERT INTO managed_account (external_id, podero_id, email, role, state, first_seen, adopted, updated_at)
                VALUES (?, ?, ?, ?, 'active', ?, ?, ?)
                ON CONFLICT(external_id) DO UPDATE SET podero_id = excluded.podero_id, email = excluded.email,
                    role = excluded.role, state = 'active', departed_since = NULL, soft_deleted_at = NULL,
                    blocked_since = NULL, last_attempt = NULL, blocked_by = NULL, adopted = excluded.adopted,
                    updated_at = excluded.updated_at
                """, arguments: [externalID.rawValue, poderoID, email, role.rawValue, stamp, adopted, stamp])
        case .updated(let externalID, let email, let role):
            try db.execute(sql: """
                UPDATE managed_account SET email = coalesce(?, email), role = coalesce(?, role), updated_at = ?
                WHERE external_id = ?
                """, arguments: [email, role?.rawValue, stamp, externalID.rawValue])
        case .departed(let externalID, let since):
            try db.execute(sql: """
                UPDATE managed_account SET state = 'departed', departed_since = ?, updated_at = ? WHERE external_id = ?
                """, arguments: [since.timeIntervalSince1970, stamp, externalID.rawValue])
        case .softDeleted(let externalID, let at):
            try db.execute(sql: """
                UPDATE managed_account SET state = 'soft_deleted', soft_deleted_at = ?, departed_since = NULL,
                    blocked_since = NULL, last_attempt = NULL, blocked_by = NULL, updated_at = ? WHERE external_id = ?
                """, arguments: [at.timeIntervalSince1970, stamp, externalID.rawValue])
        case .removed(let externalID):
            try db.execute(sql: "DELETE FROM managed_account WHERE external_id = ?", arguments: [externalID.rawValue])
        case .restoreBlocked(let externalID, let at):
            try db.execute(sql: """
                UPDATE managed_account SET state = 'restore_blocked', blocked_since = coalesce(blocked_since, ?),
                    last_attempt = ?, updated_at = ? WHERE external_id = ?
                """, arguments: [at.timeIntervalSince1970, at.timeIntervalSince1970, stamp, externalID.rawValue])
        }
    }

    /// Applies journal-only plan updates.
    package func apply(_ updates: [JournalUpdate], now: Date) async throws {
        guard !updates.isEmpty else { return }
        try await database.write { db in
            for update in updates {
                switch update {
                case .reactivate(let externalID):
                    try db.execute(sql: """
                        UPDATE managed_account SET state = 'active', departed_since = NULL, soft_deleted_at = NULL,
                            blocked_since = NULL, last_attempt = NULL, blocked_by = NULL, updated_at = ? WHERE external_id = ?
                        """, arguments: [now.timeIntervalSince1970, externalID.rawValue])
                case .closeBlockedRestore(let externalID):
                    try db.execute(sql: """
                        UPDATE managed_account SET state = 'soft_deleted', soft_deleted_at = coalesce(soft_deleted_at, ?),
                            blocked_since = NULL, last_attempt = NULL, blocked_by = NULL, updated_at = ? WHERE external_id = ?
                        """, arguments: [now.timeIntervalSince1970, now.timeIntervalSince1970, externalID.rawValue])
                case .restoreBlockedBy(let externalID, let poderoID):
                    try db.execute(sql: """
                        UPDATE managed_account SET blocked_by = ?, updated_at = ? WHERE external_id = ? AND state = 'restore_blocked'
                        """, arguments: [poderoID, now.timeIntervalSince1970, externalID.rawValue])
                case .lastSeen(let externalID, let dn):
                    try db.execute(sql: "UPDATE managed_account SET last_dn = ? WHERE external_id = ?", arguments: [dn, externalID.rawValue])
                case .expiry(let externalID, let date):
                    try db.execute(sql: "UPDATE managed_account SET expires_at = ? WHERE external_id = ?",
                        arguments: [date?.timeIntervalSince1970, externalID.rawValue])
                }
            }
        }
    }
}
