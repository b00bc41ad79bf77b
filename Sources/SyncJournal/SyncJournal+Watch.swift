import Foundation
import GRDB
import TeamSyncCore

extension SyncJournal {
    package func departedPeople(since time: Date, command: String?) async throws -> Int {
        try await database.read { db in
            let actions = [AuditAction.markDeparted, .softDelete].map { "'\($0.rawValue)'" }.joined(separator: ",")
            let byCommand = command == nil ? "" : "AND run_id IN (SELECT run_id FROM run WHERE command = ?)"
            var arguments: StatementArguments = [AuditOutcome.ok.rawValue, AuditTime.format(time.flooredToSecond)]
            if let command { arguments += [command] }
            return try Int.fetchOne(db, sql: """
                SELECT count(DISTINCT external_user_id) FROM audit_log
                WHERE action IN (\(actions)) AND outcome = ? AND time >= ? \(byCommand)
                """, arguments: arguments) ?? 0
        }
    }

    package func watchCookie(scope: String) async throws -> [UInt8]? {
        try await database.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT scope, cookie FROM watch_state WHERE id = 1"),
                let stored: String = row["scope"], stored == scope, let data: Data = row["cookie"], !data.isEmpty
            else { return nil }
            return Array(data)
        }
    }

    package func storeWatchCookie(_ cookie: WatchCookie?) async throws {
        try await database.write { db in
            if let cookie {
                try Self.storeCookie(db, cookie)
            } else {
                try db.execute(sql: "UPDATE watch_state SET cookie = NULL, scope = NULL WHERE id = 1")
            }
        }
    }

    static func storeCookie(_ db: Database, _ cookie: WatchCookie) throws {
        try db.execute(sql: """
            INSERT INTO watch_state (id, scope, cookie) VALUES (1, ?, ?)
            ON CONFLICT(id) DO UPDATE SET scope = excluded.scope, cookie = excluded.cookie
            """, arguments: [cookie.scope, Data(cookie.bytes)])
    }

    package func recordWatchStatus(_ status: WatchStatus) async throws {
        try await database.write { db in
            try db.execute(sql: """
                INSERT INTO watch_state (id, mode, connected, detail, last_change_at, last_applied_at, lag_seconds, refused, refused_since, updated_at)
                VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET mode = excluded.mode, connected = excluded.connected, detail = excluded.detail,
                    last_change_at = excluded.last_change_at, last_applied_at = excluded.last_applied_at,
                    lag_seconds = excluded.lag_seconds, refused = excluded.refused, refused_since = excluded.refused_since,
                    updated_at = excluded.updated_at
                """, arguments: [status.mode, status.connected, status.detail, status.lastChangeAt?.timeIntervalSince1970,
                    status.lastAppliedAt?.timeIntervalSince1970, status.lagSeconds, status.refusedDepartures,
                    status.refusedSince?.timeIntervalSince1970, status.updatedAt.timeIntervalSince1970])
        }
    }

    package func watchStatus() async throws -> WatchStatus? {
        try await database.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM watch_state WHERE id = 1"), let mode: String = row["mode"] else { return nil }
            func date(_ column: String) -> Date? { (row[column] as Double?).map { Date(timeIntervalSince1970: $0) } }
            return WatchStatus(mode: mode, connected: row["connected"] ?? false, detail: row["detail"],
                lastChangeAt: date("last_change_at"), lastAppliedAt: date("last_applied_at"), lagSeconds: row["lag_seconds"],
                refusedDepartures: row["refused"] ?? 0, refusedSince: date("refused_since"),
                updatedAt: date("updated_at") ?? Date(timeIntervalSince1970: 0))
        }
    }
}
