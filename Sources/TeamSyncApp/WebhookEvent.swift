import Foundation
import TeamSyncCore

/// One notification for `notify.webhook_url`: a JSON object whose `text` Slack and Teams
/// incoming webhooks show as the message, with the event's fields beside it.
package struct WebhookEvent: Sendable, Equatable {
    /// What happened (the `event` field).
    package enum Kind: String, Sendable, Equatable {
        case held
        case restoreBlocked = "restore_blocked"
        case runFailed = "run_failed"
    }

    package var kind: Kind
    package var summary: String
    package var heldID: String?
    package var counts: [String: Int]
    /// What to run next (the `status` field).
    package var status: String

    package init(kind: Kind, summary: String, heldID: String? = nil, counts: [String: Int] = [:], status: String) {
        self.kind = kind
        self.summary = summary
        self.heldID = heldID
        self.counts = counts
        self.status = status
    }

    /// The body posted. Text from the directory or from Podero is in `summary`: in `text`,
    /// `&`, `<` and `>` are escaped as Slack asks (so that a group named `<!channel>` pings
    /// nobody), and control characters everywhere.
    package var body: String {
        let text = "podero-team-sync: \(summary) (\(status))"
        return JSONText.render(.object([
            ("text", .string(Self.slackEscaped(text.escapingControlCharacters))), ("event", .string(kind.rawValue)),
            ("summary", .string(summary.escapingControlCharacters)), ("held_id", .string(heldID)),
            ("counts", .object(counts.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })),
            ("status", .string(status)),
        ]))
    }

    static func slackEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// The events of a run: a held set, one per blocked restore (`blocked`: the accounts this
    /// run found blocked), a failed run (`reportFailure`: false for a failure that repeats the
    /// previous cycle's, so that `run` does not post one per retry).
    package static func events(for outcome: SyncCycle.Outcome, command: String, blocked: [ManagedAccount] = [],
                               reportFailure: Bool = true) -> [WebhookEvent] {
        var events: [WebhookEvent] = []
        if let set = outcome.held { events.append(held(set)) }
        for account in blocked {
            guard case .restoreBlocked(_, let blocker) = account.state else { continue }
            let holder = blocker.map { "the soft-deleted Podero account \($0)" } ?? "a soft-deleted Podero account"
            events.append(WebhookEvent(kind: .restoreBlocked,
                summary: "\(account.email) (\(account.externalID.rawValue)) is back in the directory but has no account: Podero refuses a new one while \(holder) holds the e-mail or external id; restore or purge it in Podero",
                counts: ["restore_blocked": 1], status: "podero-team-sync status"))
        }
        if reportFailure, outcome.exitStatus == .fatal || outcome.exitStatus == .partialFailure {
            let failures = outcome.report?.failures ?? 0
            events.append(WebhookEvent(kind: .runFailed, summary: "\(command) failed (exit \(outcome.exitStatus.rawValue)): \(outcome.summary)",
                counts: ["exit_code": Int(outcome.exitStatus.rawValue), "failed_actions": failures], status: "podero-team-sync status"))
        }
        return events
    }

    /// A held set's event.
    package static func held(_ set: HeldSet) -> WebhookEvent {
        let roles = Dictionary(grouping: set.people, by: \.role).mapValues(\.count)
        return WebhookEvent(kind: .held,
            summary: "\(set.people.count) departure\(set.people.count == 1 ? "" : "s") held for approval by name in held set \(set.id): \(set.reason)",
            heldID: set.id, counts: ["people": set.people.count, "admin": roles[.admin] ?? 0, "staff": roles[.staff] ?? 0],
            status: "podero-team-sync status; \(set.approveCommand)")
    }
}
