import Foundation
import GRDB
import TeamSyncCore

extension SyncJournal {
    /// Appends records to the audit log, chaining their hashes.
    package func append(_ records: [AuditRecord]) async throws {
        guard !records.isEmpty else { return }
        try await database.write { db in try Self.append(records, in: db) }
    }

    /// Appends inside an open write transaction: seq and hash follow the last record.
    static func append(_ records: [AuditRecord], in db: Database) throws {
        let last = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        var seq: Int64 = last?["seq"] ?? 0
        var previous: String = last?["hash"] ?? AuditChain.genesis
        for var record in records {
            seq += 1
            record.seq = seq
            record.hash = AuditChain.hash(record, previous: previous)
            previous = record.hash
            try db.execute(sql: """
                INSERT INTO audit_log (seq, time, run_id, action, outcome, external_user_id, podero_user_id, email,
                    role_before, role_after, reason, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [record.seq, record.time, record.runID, record.action.rawValue, record.outcome.rawValue,
                    record.externalUserID, record.poderoUserID, record.email, record.roleBefore, record.roleAfter,
                    record.reason, record.hash])
        }
    }

    /// Streams the records between `since` and `until` (inclusive), oldest first, to `body`,
    /// without loading the whole log.
    package func forEachAuditRecord(since: Date?, until: Date?, _ body: @escaping @Sendable (AuditRecord) throws -> Void) async throws {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let since {
            conditions.append("time >= ?")
            _ = arguments.append(contentsOf: [AuditTime.format(since.flooredToSecond)])
        }
        if let until {
            conditions.append("time <= ?")
            _ = arguments.append(contentsOf: [AuditTime.format(until.flooredToSecond)])
        }
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT * FROM audit_log\(filter) ORDER BY seq"
        let bound = arguments
        try await database.read { db in
            let rows = try Row.fetchCursor(db, sql: sql, arguments: bound)
            while let row = try rows.next() { try body(try Self.auditRecord(row)) }
        }
    }

    /// What `audit verify` found.
    package enum Verification: Sendable, Equatable {
        case intact(records: Int64)
        /// The first record whose hash or position does not fit the chain.
        case broken(seq: Int64, reason: String)
    }

    /// Walks the chain from the first record.
    package func verifyAudit() async throws -> Verification {
        try await database.read { db in
            let rows = try Row.fetchCursor(db, sql: "SELECT * FROM audit_log ORDER BY seq")
            var previous = AuditChain.genesis
            var expected: Int64 = 1
            while let row = try rows.next() {
                let record: AuditRecord
                do {
                    record = try Self.auditRecord(row)
                } catch let error as JournalError {
                    return .broken(seq: row["seq"], reason: error.message)
                }
                guard record.seq == expected else {
                    return .broken(seq: expected, reason: "record \(expected) is missing")
                }
                guard AuditChain.hash(record, previous: previous) == record.hash else {
                    return .broken(seq: record.seq, reason: "its content does not match its hash")
                }
                previous = record.hash
                expected += 1
            }
            return .intact(records: expected - 1)
        }
    }

    static func auditRecord(_ row: Row) throws -> AuditRecord {
        let seq: Int64 = row["seq"]
        var record = AuditRecord(
            time: Date(), runID: row["run_id"],
            action: try JournalValue.decode(AuditAction.self, row["action"], table: "audit_log", row: "seq=\(seq)", column: "action"),
            outcome: try JournalValue.decode(AuditOutcome.self, row["outcome"], table: "audit_log", row: "seq=\(seq)", column: "outcome"))
        record.seq = seq
        record.time = row["time"]
        record.externalUserID = row["external_user_id"]
        record.poderoUserID = row["podero_user_id"]
        record.email = row["email"]
        record.roleBefore = row["role_before"]
        record.roleAfter = row["role_after"]
        record.reason = row["reason"]
        record.hash = row["hash"]
        return record
    }
}

extension Date {
    /// The date without its fraction of a second (the audit log's resolution).
    var flooredToSecond: Date { Date(timeIntervalSince1970: timeIntervalSince1970.rounded(.down)) }
}

extension SyncJournal {
    /// The newest audit record's `seq` and `hash` (what a review page is tied to), or nil for an empty log.
    package func auditHead() async throws -> (seq: Int64, hash: String)? {
        try await database.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1") else { return nil }
            return (row[0], row[1])
        }
    }

    /// The newest `limit` audit records about a person (by external id or Podero id), oldest first.
    package func auditRecords(externalID: String?, poderoIDs: [String], limit: Int) async throws -> [AuditRecord] {
        var clauses: [String] = []
        var arguments: [String] = []
        if let externalID {
            clauses.append("external_user_id = ?")
            arguments.append(externalID)
        }
        for id in poderoIDs.prefix(20) {
            clauses.append("podero_user_id = ?")
            arguments.append(id)
        }
        guard !clauses.isEmpty else { return [] }
        let sql = "SELECT * FROM audit_log WHERE " + clauses.joined(separator: " OR ") + " ORDER BY seq DESC LIMIT \(max(1, limit))"
        let values = arguments
        return try await database.read { db in
            let rows = try Row.fetchAll(db, sql: sql, arguments: StatementArguments(values))
            return try rows.map(Self.auditRecord).reversed()
        }
    }
}
