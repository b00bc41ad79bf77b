import TeamSyncCore

/// The one-line summary of a run.
enum Summary {
    /// The actions the summary names, in this order.
    private static let order: [AuditAction] = [
        .create, .adopt, .updateRole, .updateProfile, .markDeparted, .softDelete, .hardDelete, .restoreBlocked,
    ]

    static func line(command: String, dryRun: Bool, plan: Plan, report: ExecutionReport, refusals: [String], status: ExitStatus) -> String {
        let verb = dryRun ? "would" : "did"
        var parts: [String] = []
        for action in order {
            let done = report.count(of: action, .ok) + report.count(of: action, .planned) + report.count(of: action, .refused)
            let failed = report.count(of: action, .failed)
            if done > 0 { parts.append("\(done) \(action.rawValue)") }
            if failed > 0 { parts.append("\(failed) \(action.rawValue) failed") }
        }
        var text = "\(command)\(dryRun ? " --dry-run" : ""): " + (parts.isEmpty ? "in sync, nothing to do" : "\(verb) " + parts.joined(separator: ", "))
        if !plan.skipped.isEmpty { text += "; \(plan.skipped.count) skipped (see status)" }
        if !refusals.isEmpty { text += "; SAFETY LIMIT, no deletion applied: " + refusals.joined(separator: "; ") }
        if report.unrecorded > 0 {
            text += "; \(report.unrecorded) of them done in Podero but not recorded (the journal failed): the next run settles them"
        }
        if let stopped = report.stoppedBecause { text += "; stopped early (\(stopped)), \(report.notStarted) actions not started" }
        return text + "; exit \(status.rawValue)"
    }
}
