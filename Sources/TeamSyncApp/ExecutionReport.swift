import TeamSyncCore

/// What applying a plan did.
package struct ExecutionReport: Sendable {
    /// Outcomes by audit action name and outcome, e.g. counts["create"]["ok"].
    package var counts: [String: [String: Int]] = [:]
    /// Number of actions that failed.
    package var failures: Int = 0
    /// Actions not started because the error budget ran out or a stop was requested.
    package var notStarted: Int = 0
    /// Why the run stopped early, if it did.
    package var stoppedBecause: String?

    mutating func count(_ action: String, _ outcome: String) {
        counts[action, default: [:]][outcome, default: 0] += 1
    }

    /// Flat counts for the run record and the summary line ("create.ok": 3).
    package var flatCounts: [String: Int] {
        var flat: [String: Int] = [:]
        for (action, outcomes) in counts {
            for (outcome, value) in outcomes { flat["\(action).\(outcome)"] = value }
        }
        return flat
    }
}
