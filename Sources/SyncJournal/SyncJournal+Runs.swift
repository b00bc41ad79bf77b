import Foundation
import GRDB
import TeamSyncCore

extension SyncJournal {
    /// Takes the run lease for this process, or fails at once when a live process holds it. A
    /// lease left by a dead process (kill -9, power loss) is taken over.
    /// - Returns: the command of a dead holder whose lease was taken over, if any.
    @discardableResult
    package func acquireLease(runID: String, command: String, now: Date) async throws -> String? {
        let pid = getpid()
        let start = ProcessIdentity.currentStart
        let host = ProcessIdentity.host
        let boot = ProcessIdentity.bootID
        return try await database.writeWithoutTransaction { db in
            var takenOver: String?
            try db.inTransaction(.immediate) {
                if let holder = try Row.fetchOne(db, sql: "SELECT * FROM lease WHERE id = 1") {
                    let holderPID: Int32 = holder["pid"]
                    let holderStart: String = holder["process_start"]
                    let since = Date(timeIntervalSince1970: holder["acquired_at"])
                    let command: String = holder["command"]
                    let mine = holderPID == pid && holderStart == start && (holder["host"] as String?).map { $0 == host } ?? true
                    switch ProcessIdentity.holder(pid: holderPID, start: holderStart, host: holder["host"], bootID: holder["boot_id"]) {
                    case .alive where !mine:
                        throw JournalError(.leaseHeld, "another run holds the journal (process \(holderPID), `\(command)` since \(AuditTime.format(since))); only one run at a time")
                    case .otherHost(let other):
                        throw JournalError(.leaseHeld, "a run on host \(other) holds the journal (process \(holderPID), `\(command)` since \(AuditTime.format(since))); a lease of another host is never taken over from here, since its processes cannot be seen. If that host is down for good, remove the lease: sqlite3 JOURNAL 'DELETE FROM lease'")
                    default:
                        takenOver = mine ? nil : command
                    }
                }
                try db.execute(sql: """
                    INSERT OR REPLACE INTO lease (id, pid, process_start, run_id, command, acquired_at, host, boot_id) VALUES (1, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [pid, start, runID, command, now.timeIntervalSince1970, host, boot])
                return .commit
            }
            return takenOver
        }
    }

    /// Gives the lease back (only if this run holds it).
    package func releaseLease(runID: String) async throws {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM lease WHERE id = 1 AND run_id = ?", arguments: [runID])
        }
    }

    /// Records the start of a run.
    package func beginRun(runID: String, command: String, dryRun: Bool, now: Date) async throws {
        try await database.write { db in
            try db.execute(sql: "INSERT INTO run (run_id, command, dry_run, started_at) VALUES (?, ?, ?, ?)",
                arguments: [runID, command, dryRun, now.timeIntervalSince1970])
        }
    }

    /// Records the end of a run.
    package func finishRun(runID: String, _ end: RunEnd, now: Date) async throws {
        let counts = String(decoding: try JSONSerialization.data(withJSONObject: end.counts, options: [.sortedKeys]), as: UTF8.self)
        try await database.write { db in
            try db.execute(sql: """
                UPDATE run SET finished_at = ?, outcome = ?, exit_code = ?, matched_count = ?, directory_complete = ?,
                    counts = ?, detail = ? WHERE run_id = ?
                """, arguments: [now.timeIntervalSince1970, end.outcome.rawValue, end.exitCode, end.matchedCount,
                    end.directoryComplete, counts, end.detail, runID])
            if let cookie = end.watchCookie { try Self.storeCookie(db, cookie) }
        }
    }

    /// The users-filter count of the last real run that was a good read
    /// (`RunOutcome.countsAsGoodRead`): the shrink guard's baseline.
    package func lastGoodMatchedCount() async throws -> Int? {
        try await database.read { db in
            try Int.fetchOne(db, sql: """
                SELECT matched_count FROM run WHERE \(Self.goodRead) AND matched_count IS NOT NULL ORDER BY id DESC LIMIT 1
                """)
        }
    }

    /// Soft deletes that succeeded since `time` (outcome ok: a dry run records `planned`).
    package func softDeletes(since time: Date) async throws -> Int {
        try await database.read { db in
            try Int.fetchOne(db, sql: """
                SELECT count(*) FROM audit_log WHERE action = ? AND outcome = ? AND time >= ?
                """, arguments: [AuditAction.softDelete.rawValue, AuditOutcome.ok.rawValue, AuditTime.format(time.flooredToSecond)]) ?? 0
        }
    }

    /// The SQL condition on `run` rows of a good read: a real run whose directory read was
    /// complete, with an outcome that `RunOutcome.countsAsGoodRead`. One definition for the
    /// shrink guard's baseline and `status`.
    static let goodRead = "dry_run = 0 AND directory_complete = 1 AND outcome IN "
        + JournalValue.sqlList(RunOutcome.self, where: \.countsAsGoodRead)
}
