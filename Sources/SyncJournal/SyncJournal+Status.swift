import Foundation
import GRDB

/// One run as `status` lists it.
package struct RunSummary: Sendable, Equatable {
    package var runID: String
    package var command: String
    package var dryRun: Bool
    package var startedAt: Date
    package var finishedAt: Date?
    package var outcome: String?
    package var exitCode: Int32?
    package var counts: [String: Int]
    package var detail: String?
}

extension SyncJournal {
    /// The most recent runs, newest first.
    package func recentRuns(limit: Int) async throws -> [RunSummary] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM run ORDER BY id DESC LIMIT ?", arguments: [limit]).map { row in
                let countsText: String? = row["counts"]
                let counts = countsText.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Int] } ?? [:]
                return RunSummary(
                    runID: row["run_id"], command: row["command"], dryRun: row["dry_run"],
                    startedAt: Date(timeIntervalSince1970: row["started_at"]),
                    finishedAt: (row["finished_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                    outcome: row["outcome"], exitCode: row["exit_code"], counts: counts, detail: row["detail"])
            }
        }
    }

    /// The end of the last run that finished with exit status 0 or 3, if any.
    package func lastSuccess() async throws -> Date? {
        try await database.read { db in
            try Double.fetchOne(db, sql: "SELECT max(finished_at) FROM run WHERE dry_run = 0 AND exit_code IN (0, 3)")
                .map(Date.init(timeIntervalSince1970:))
        }
    }
}
