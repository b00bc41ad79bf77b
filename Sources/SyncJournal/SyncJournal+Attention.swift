import Foundation
import GRDB
import TeamSyncCore

extension SyncJournal {
    /// Replaces the skipped directory entries with this run's; returns the keys that are new (they
    /// get an audit record; the others were recorded before).
    package func replaceSkipped(_ cases: [AttentionCase], now: Date) async throws -> Set<String> {
        try await database.write { db in
            let known = Set(try String.fetchAll(db, sql: "SELECT key FROM attention WHERE kind IN \(Self.attentionKinds)"))
            try db.execute(sql: "DELETE FROM attention WHERE kind IN \(Self.attentionKinds)")
            var fresh = Set<String>()
            for item in cases {
                let since = known.contains(item.key) ? nil : now
                if since != nil { fresh.insert(item.key) }
                try db.execute(sql: """
                    INSERT OR REPLACE INTO attention (kind, key, external_id, email, detail, since) VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [item.kind.rawValue, item.key, item.externalID, item.email, item.detail, (since ?? item.since).timeIntervalSince1970])
            }
            return fresh
        }
    }

    /// Skipped entries currently recorded.
    package func skippedCases() async throws -> [AttentionCase] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM attention WHERE kind IN \(Self.attentionKinds) ORDER BY key").map { row in
                let key: String = row["key"]
                let kind = try JournalValue.decode(AttentionCase.Kind.self, row["kind"], table: "attention", row: "key=\(key)", column: "kind")
                return AttentionCase(kind: kind, key: key, externalID: row["external_id"], email: row["email"],
                    detail: row["detail"], since: Date(timeIntervalSince1970: row["since"]))
            }
        }
    }

    /// Every kind of case this table holds, as an SQL list.
    static let attentionKinds = JournalValue.sqlList(AttentionCase.Kind.self, where: { _ in true })
}
