import Foundation
import SyncJournal
import TeamSyncCore

/// `status`: what the journal alone says.
package struct StatusReport: Sendable {
    package var runs: [RunSummary]
    package var managed: [ManagedAccount]
    package var skipped: [AttentionCase]
    package var grace: Duration
    /// The end of the last good read (`RunOutcome.countsAsGoodRead`), if any.
    package var lastGoodRead: Date?
    /// What the watch of `run` last recorded.
    package var watch: WatchStatus?
    /// `review.expiry_notice`: expiries this close are listed.
    package var expiryNotice: Duration = ReviewSettings().expiryNotice
    /// The time "upcoming" is measured from.
    package var now = Date()
    /// Held sets with a person awaiting a decision or an approved departure.
    package var held: [HeldSet] = []

    /// Reads the journal (opened read-only; nil before the first sync is an empty one).
    package static func load(journal: SyncJournal?, grace: Duration) async throws -> StatusReport {
        guard let journal else {
            return StatusReport(runs: [], managed: [], skipped: [], grace: grace, lastGoodRead: nil)
        }
        var report = StatusReport(runs: try await journal.recentRuns(limit: 10), managed: try await journal.managedAccounts(),
            skipped: try await journal.skippedCases(), grace: grace, lastGoodRead: try await journal.lastGoodRead())
        report.watch = try await journal.watchStatus()
        report.held = try await journal.openHeldSets().filter(\.isOpen)
        return report
    }

    var live: [ManagedAccount] { managed.filter { $0.state.isLive } }

    /// Live managed accounts whose access ends within `expiryNotice`, soonest first.
    var upcomingExpiries: [(ManagedAccount, Date)] {
        let horizon = now.addingTimeInterval(expiryNotice.timeInterval)
        return managed.compactMap { account in
            guard account.state.isLive, let date = account.expiresAt, date <= horizon else { return nil }
            return (account, date)
        }.sorted { $0.1 < $1.1 }
    }

    var pending: [(ManagedAccount, Date, Date)] {
        managed.compactMap { account in
            guard case .departed(let since) = account.state else { return nil }
            return (account, since, since.addingTimeInterval(grace.timeInterval))
        }.sorted { $0.1 < $1.1 }
    }

    var attention: [(externalID: String?, email: String?, kind: String, detail: String)] {
        let blocked = managed.compactMap { account -> (String?, String?, String, String)? in
            guard case .restoreBlocked(let since, let blocker) = account.state else { return nil }
            let holder = blocker.map { "Podero account \($0)" } ?? "the soft-deleted one"
            return (account.externalID.rawValue, account.email, "restore_blocked",
                "back in the directory since \(AuditTime.format(since)), but Podero refuses a new account while \(holder) holds the e-mail or external id; restore or hard-delete it in Podero (the next run then creates the account)")
        }
        return blocked + skipped.map { ($0.externalID, $0.email, $0.kind.rawValue, $0.detail) }
    }

    /// The JSON of CONTRACT.md.
    package var json: String {
        let runs = self.runs.map { run -> JSONText.Value in
            .object([
                ("run_id", .string(run.runID)), ("command", .string(run.command)), ("dry_run", .bool(run.dryRun)),
                ("started_at", .string(AuditTime.format(run.startedAt))), ("finished_at", .string(run.finishedAt.map(AuditTime.format))),
                ("outcome", .string(run.outcome?.rawValue ?? (run.interrupted ? "interrupted" : nil))), ("exit_code", run.exitCode.map { .int(Int($0)) } ?? .string(nil)),
                ("summary", .string(run.detail)),
                ("counts", .object(run.counts.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })),
            ])
        }
        let managed: JSONText.Value = .object(Role.allCases.map { role in (role.rawValue, .int(live.filter { $0.role == role }.count)) })
        let pending = self.pending.map { account, since, due -> JSONText.Value in
            .object([("external_user_id", .string(account.externalID.rawValue)), ("email", .string(account.email)),
                     ("departed_since", .string(AuditTime.format(since))), ("delete_after", .string(AuditTime.format(due)))])
        }
        let attention = self.attention.map { item -> JSONText.Value in
            .object([("external_user_id", .string(item.externalID)), ("email", .string(item.email)),
                     ("kind", .string(item.kind)), ("detail", .string(item.detail))])
        }
        let expiries = upcomingExpiries.map { account, date -> JSONText.Value in
            .object([("external_user_id", .string(account.externalID.rawValue)), ("email", .string(account.email)),
                     ("role", .string(account.role.rawValue)), ("expires_at", .string(AuditTime.format(date))),
                     ("days_left", .int(max(0, Int(date.timeIntervalSince(now) / 86_400))))])
        }
        let watch: JSONText.Value = self.watch.map { watch in
            .object([("mode", .string(watch.mode)), ("connected", .bool(watch.connected)), ("detail", .string(watch.detail)),
                     ("last_change_at", .string(watch.lastChangeAt.map(AuditTime.format))),
                     ("last_applied_at", .string(watch.lastAppliedAt.map(AuditTime.format))),
                     ("lag_seconds", watch.lagSeconds.map { .decimal($0) } ?? .string(nil)),
                     ("refused_departures", .int(watch.refusedDepartures)),
                     ("refused_since", .string(watch.refusedSince.map(AuditTime.format))),
                     ("updated_at", .string(AuditTime.format(watch.updatedAt)))])
        } ?? .string(nil)
        let held = self.held.map { set -> JSONText.Value in
            .object([("id", .string(set.id)), ("since", .string(AuditTime.format(set.since))), ("reason", .string(set.reason)),
                     ("people", .array(set.people.filter(\.isOpen).map { person in
                         .object([("external_user_id", .string(person.externalID.rawValue)), ("email", .string(person.email)),
                                  ("role", .string(person.role.rawValue)), ("why", .string(person.why)),
                                  ("decision", .string(person.decision.rawValue)), ("decided_by", .string(person.decidedBy))])
                     }))])
        }
        return JSONText.render(.object([("last_runs", .array(runs)), ("last_good_read", .string(lastGoodRead.map(AuditTime.format))), ("managed", managed),
            ("pending_departures", .array(pending)), ("needs_attention", .array(attention)),
            ("upcoming_expiries", .array(expiries)), ("watch", watch), ("held", .array(held))]))
    }

    /// The readable report.
    package var text: String {
        var lines: [String] = ["Last runs:"]
        if runs.isEmpty { lines.append("  none yet") }
        for run in runs {
            lines.append("  \(AuditTime.format(run.startedAt))  \(run.command)\(run.dryRun ? " --dry-run" : "")  \(run.outcome?.rawValue ?? (run.interrupted ? "interrupted (killed or crashed; the next run settles its open intents)" : "running"))  exit \(run.exitCode.map(String.init) ?? "-")")
            if let detail = run.detail { lines.append("      \(detail)") }
        }
        lines.append("Last good read: " + (lastGoodRead.map(AuditTime.format) ?? "none yet") + " (complete directory read, not refused by a safety limit)")
        lines.append("")
        if let watch {
            lines += Self.watchLines(watch)
            lines.append("")
        }
        lines.append("Managed accounts: " + Role.allCases.map { role in "\(live.filter { $0.role == role }.count) \(role.rawValue)" }.joined(separator: ", "))
        lines.append("")
        lines.append("Waiting out the departure grace (\(DurationText.format(grace))): \(pending.count)")
        for (account, since, due) in pending {
            lines.append("  \(account.externalID) \(account.email)  gone since \(AuditTime.format(since)), soft delete after \(AuditTime.format(due))")
        }
        lines.append("")
        let expiries = upcomingExpiries
        lines.append("Access expiring within \(DurationText.format(expiryNotice)) (review.expiry_notice): \(expiries.count)")
        for (account, date) in expiries {
            lines.append("  \(account.externalID) \(account.email)  \(account.role.rawValue), \(ExpiryText.relative(date, now: now))")
        }
        lines.append("")
        let heldPeople = held.flatMap { $0.people.filter(\.isOpen) }
        lines.append("Departures held for approval by name: \(heldPeople.filter { $0.decision == .awaiting }.count) awaiting, \(heldPeople.filter { $0.decision == .approved }.count) approved and not yet gone")
        for set in held {
            lines.append("  held set \(set.id), since \(AuditTime.format(set.since)): \(set.reason)")
            for person in set.people where person.isOpen {
                let decided = person.decision == .approved ? "APPROVED by \(person.decidedBy ?? "?")" : "awaiting"
                lines.append("    \(person.externalID) \(person.email)  \(person.role.rawValue), \(decided): \(person.why)")
            }
            if !set.awaiting.isEmpty { lines.append("    \(set.approveCommand)   (or: reject \(set.id); --only EXTERNAL_ID… for some)") }
        }
        lines.append("")
        lines.append("Needs a human: \(attention.count)")
        for item in attention {
            lines.append("  [\(item.kind)] \(item.externalID ?? "-") \(item.email ?? "")  \(item.detail)")
        }
        // Details come from the directory and from Podero: no line may carry a control character.
        return lines.map(\.escapingControlCharacters).joined(separator: "\n")
    }

    /// The watch section of the readable report.
    static func watchLines(_ watch: WatchStatus) -> [String] {
        guard watch.mode != "off" else {
            return ["Directory watch: off (\(watch.detail ?? "sync.watch")); as of \(AuditTime.format(watch.updatedAt))"]
        }
        var lines = ["Directory watch: \(watch.mode), " + (watch.connected ? "connected" : "not connected" + (watch.detail.map { " (\($0))" } ?? ""))
            + "; as of \(AuditTime.format(watch.updatedAt))"]
        lines.append("  last change seen: " + (watch.lastChangeAt.map(AuditTime.format) ?? "none yet")
            + "; last applied: " + (watch.lastAppliedAt.map(AuditTime.format) ?? "none yet")
            + (watch.lagSeconds.map { String(format: " (%.2f s after it arrived)", $0) } ?? ""))
        if watch.refusedDepartures > 0 {
            lines.append("  SAFETY LIMIT: \(watch.refusedDepartures) departures not applied (limits hold over one sync.interval)"
                + (watch.refusedSince.map { " since \(AuditTime.format($0))" } ?? "") + "; confirm them with sync --max-deletions N")
        }
        return lines
    }
}
