import Foundation
import GRDB
import TeamSyncCore

/// One run as `status` lists it.
package struct RunSummary: Sendable, Equatable {
    package var runID: String
    package var command: String
    package var dryRun: Bool
    package var startedAt: Date
    package var finishedAt: Date?
    /// nil while the run has not finished (or its process died).
    package var outcome: RunOutcome?
    package var exitCode: Int32?
    package var counts: [String: Int]
    package var detail: String?
    /// Unfinished, and no live process holds its lease: it was killed or crashed.
    package var interrupted = false
}

extension SyncJournal {
    /// The most recent runs, newest first.
    package func recentRuns(limit: Int) async throws -> [RunSummary] {
        try await database.read { db in
            // The run whose lease a live process (or another host) holds is running; any other
            // unfinished run was interrupted.
            var running: String?
            if let lease = try Row.fetchOne(db, sql: "SELECT * FROM lease WHERE id = 1"),
                ProcessIdentity.holder(pid: lease["pid"], start: lease["process_start"], host: lease["host"], bootID: lease["boot_id"]) != .dead
            {
                running = lease["run_id"]
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM run ORDER BY id DESC LIMIT ?", arguments: [limit]).map { row in
                let countsText: String? = row["counts"]
                let counts = countsText.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Int] } ?? [:]
                let runID: String = row["run_id"]
                let outcome = try (row["outcome"] as String?).map {
                    try JournalValue.decode(RunOutcome.self, $0, table: "run", row: "run_id=\(runID)", column: "outcome")
                }
                return RunSummary(
                    runID: runID, command: row["command"], dryRun: row["dry_run"],
                    startedAt: Date(timeIntervalSince1970: row["started_at"]),
                    finishedAt: (row["finished_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                    outcome: outcome, exitCode: row["exit_code"], counts: counts, detail: row["detail"],
                    interrupted: outcome == nil && runID != running)
            }
        }
    }

    /// The end of the last real run that was a good read (`RunOutcome.countsAsGoodRead`), if any.
    package func lastGoodRead() async throws -> Date? {
        try await database.read { db in
            try Double.fetchOne(db, sql: """
                SELECT max(finished_at) FROM run WHERE \(Self.goodRead)
                """).map(Date.init(timeIntervalSince1970:))
        }
    }
}
