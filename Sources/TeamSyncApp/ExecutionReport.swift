import TeamSyncCore

/// What applying a plan did.
package struct ExecutionReport: Sendable {
    /// Outcomes by audit action and outcome, e.g. counts[.create][.ok].
    package var counts: [AuditAction: [AuditOutcome: Int]] = [:]
    /// Number of actions that failed.
    package var failures: Int = 0
    /// Actions not started because the error budget ran out or a stop was requested.
    package var notStarted: Int = 0
    /// Why the run stopped early, if it did.
    package var stoppedBecause: String?
    /// Actions Podero carried out whose outcome the journal could not record (a full disk):
    /// their intents stay open, and the next run settles them before planning.
    package var unrecorded: Int = 0
    /// True when `sync.max_run_time` stopped the run.
    package var ranOutOfTime = false

    mutating func count(_ action: AuditAction, _ outcome: AuditOutcome) {
        counts[action, default: [:]][outcome, default: 0] += 1
    }

    /// How many actions were counted.
    package var done: Int { counts.values.reduce(0) { $0 + $1.values.reduce(0, +) } }

    /// Count of one action and outcome.
    package func count(of action: AuditAction, _ outcome: AuditOutcome) -> Int { counts[action]?[outcome] ?? 0 }

    /// Flat counts for the run record and the summary line ("create.ok": 3).
    package var flatCounts: [String: Int] {
        var flat: [String: Int] = [:]
        for (action, outcomes) in counts {
            for (outcome, value) in outcomes { flat["\(action.rawValue).\(outcome.rawValue)"] = value }
        }
        return flat
    }
}
