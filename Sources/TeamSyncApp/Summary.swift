import TeamSyncCore

/// The one-line summary of a run.
enum Summary {
    static func line(command: String, dryRun: Bool, plan: Plan, report: ExecutionReport, refusals: [String], status: ExitStatus) -> String {
        let verb = dryRun ? "would" : "did"
        var parts: [String] = []
        let order = ["create", "adopt", "update_role", "update_profile", "mark_departed", "soft_delete", "hard_delete", "restore_blocked"]
        for action in order {
            let outcomes = report.counts[action] ?? [:]
            let done = (outcomes["ok"] ?? 0) + (outcomes["planned"] ?? 0) + (outcomes["refused"] ?? 0)
            let failed = outcomes["failed"] ?? 0
            if done > 0 { parts.append("\(done) \(action)") }
            if failed > 0 { parts.append("\(failed) \(action) failed") }
        }
        let skipped = plan.actions.filter { $0.kind == .skip }.count
        var text = "\(command)\(dryRun ? " --dry-run" : ""): " + (parts.isEmpty ? "in sync, nothing to do" : "\(verb) " + parts.joined(separator: ", "))
        if skipped > 0 { text += "; \(skipped) skipped (see status)" }
        if !refusals.isEmpty { text += "; SAFETY LIMIT, no deletion applied: " + refusals.joined(separator: "; ") }
        if let stopped = report.stoppedBecause { text += "; stopped early (\(stopped)), \(report.notStarted) actions not started" }
        return text + "; exit \(status.rawValue)"
    }
}
