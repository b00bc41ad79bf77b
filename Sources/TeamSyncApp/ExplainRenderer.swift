import Foundation
import TeamSyncCore

/// `explain` output: the story for a person at the support desk, or one JSON document.
package enum ExplainRenderer {
    package static func text(_ story: Explanation) -> String {
        let candidate = story.candidate
        var lines: [String] = []
        let person = candidate.person
        let name = [person?.firstName, person?.lastName].compactMap { $0 }.joined(separator: " ")
        lines.append("Person: " + (name.isEmpty ? "" : name + " ") + "<\(person?.email.value ?? candidate.managed?.email ?? candidate.accounts.first?.email ?? "?")>")
        lines.append("  external id: \(candidate.externalID?.rawValue ?? "none")")
        lines.append("")
        lines.append("Directory:")
        if let person {
            lines.append("  entry: \(person.dn.normalized)")
            lines.append("  e-mail: \(person.email.value); first name: \(person.firstName ?? "-"); last name: \(person.lastName ?? "-")")
            lines.append("  disabled (directory.users.disabled_filter): " + (person.isDisabled ? "yes" : "no"))
            lines.append("  access expires: " + (person.expiresAt.map { ExpiryText.relative($0, now: story.now) } ?? "never"))
            lines.append("  configured role groups that reach them:" + (person.memberships.isEmpty ? " none" : ""))
            for membership in person.memberships { lines.append("    \(membership.explanation)") }
        } else if let skipped = candidate.skipped {
            lines.append("  entry: \(skipped.dn.normalized) is SKIPPED: \(skipped.diagnostic.code.rawValue): \(skipped.diagnostic.message)")
        } else {
            lines.append("  not in the directory (no entry under directory.users matches)")
        }
        lines.append("")
        lines.append("Rules (the first that matches wins):")
        lines += ruleLines(story)
        lines.append("")
        lines.append("Desired role: " + desiredText(story))
        lines.append("")
        lines.append("Podero:")
        if candidate.accounts.isEmpty { lines.append("  no account") }
        for account in candidate.accounts {
            let activity = account.activity
            lines.append("  \(account.id) \(account.email): role \(account.role.apiValue)" + (account.isSoftDeleted ? ", SOFT-DELETED" : "")
                + "; external id \(account.externalID?.rawValue ?? "none")")
            lines.append("    last login: \(activity.lastLogin ?? "never"); joined: \(activity.joinedAt ?? "unknown"); onboarded: "
                + (activity.isOnboarded.map { $0 ? "yes" : "no" } ?? "unknown"))
        }
        lines.append("")
        lines.append("Journal:")
        lines += journalLines(candidate.managed)
        lines.append("")
        lines.append("Next sync:")
        lines += nextLines(story).map { "  " + $0 }
        lines.append("")
        lines.append("Audit log (latest \(story.audit.count)):")
        if story.audit.isEmpty { lines.append("  nothing recorded about them") }
        for record in story.audit {
            lines.append("  \(record.seq) \(record.time) \(record.action.rawValue) \(record.outcome.rawValue)"
                + (record.roleAfter.map { " → \($0)" } ?? "") + (record.reason.map { ": \($0)" } ?? ""))
        }
        return lines.map(\.escapingControlCharacters).joined(separator: "\n")
    }

    static func ruleLines(_ story: Explanation) -> [String] {
        guard story.candidate.person != nil, let decision = story.decision else { return ["  not evaluated: the person is not in the directory"] }
        var lines: [String] = []
        var matchedIndex: Int?
        for (index, rule) in story.rules.enumerated() {
            let head = "  \(index + 1). \(rule.group.normalized) → \(rule.role.rawValue)" + (rule.allowsExternalEmail ? " (allow_external_email)" : "")
            if let matched = decision.matched, matched.rule == rule, matchedIndex == nil {
                matchedIndex = index
                lines.append(head + ": MATCHES (\(matched.membership.explanation))")
            } else if matchedIndex != nil {
                lines.append(head + ": not looked at (an earlier rule matched)")
            } else if let why = decision.notMatched.first(where: { $0.rule == rule })?.why {
                lines.append(head + ": no, " + why)
            }
        }
        return lines
    }

    static func desiredText(_ story: Explanation) -> String {
        guard story.candidate.person != nil, let decision = story.decision else { return "none (not in the directory)" }
        if let reason = decision.undesiredReason { return "none: \(reason)" }
        return decision.matched?.rule.role.rawValue ?? "none"
    }

    static func journalLines(_ managed: ManagedAccount?) -> [String] {
        guard let managed else { return ["  not managed by podero-team-sync"] }
        var lines = ["  managed since \(AuditTime.format(managed.firstSeen)) (" + (managed.adopted ? "adopted" : "created") + "), Podero id \(managed.poderoID), role \(managed.role.rawValue)"]
        switch managed.state {
        case .active: lines.append("  state: active")
        case .departed(let since): lines.append("  state: departed since \(AuditTime.format(since)) (waiting out sync.departure_grace)")
        case .softDeleted(let at): lines.append("  state: soft-deleted at \(AuditTime.format(at))")
        case .restoreBlocked(let since, let blocker):
            lines.append("  state: restore blocked since \(AuditTime.format(since))" + (blocker.map { " by Podero account \($0)" } ?? ""))
        }
        if let dn = managed.lastDN { lines.append("  last read at: \(dn)") }
        return lines
    }

    static func nextLines(_ story: Explanation) -> [String] {
        var lines = story.actions.map { action in
            "\(action.kind.rawValue)" + (action.roleAfter.map { " (\($0.rawValue))" } ?? "") + ": \(action.reason)"
        }
        if let skipped = story.skippedReason { lines.append("skip: \(skipped)") }
        if let held = story.heldReason { lines.append("departure held for a human: \(held)") }
        if lines.isEmpty { lines.append("nothing (in step)") } else { lines.append("(departures are subject to the safety limits)") }
        return lines
    }

    package static func json(_ story: Explanation) -> String {
        let candidate = story.candidate
        let person: JSONText.Value = candidate.person.map { person in
            .object([
                ("dn", .string(person.dn.normalized)), ("email", .string(person.email.value)), ("first_name", .string(person.firstName)),
                ("last_name", .string(person.lastName)), ("disabled", .bool(person.isDisabled)),
                ("expires_at", .string(person.expiresAt.map(AuditTime.format))),
                ("groups", .array(person.memberships.map { membership in
                    .object([("group", .string(membership.group.normalized)), ("via", .array(membership.via.map { .string($0.normalized) })),
                             ("resolved_by_directory", .bool(membership.resolvedByDirectory))])
                })),
            ])
        } ?? .string(nil)
        var rules: [JSONText.Value] = []
        if let decision = story.decision {
            var matchedSeen = false
            for (index, rule) in story.rules.enumerated() {
                let result: String
                var why: String?
                if let matched = decision.matched, matched.rule == rule, !matchedSeen {
                    matchedSeen = true
                    result = "matched"
                    why = matched.membership.explanation
                } else if matchedSeen {
                    result = "not_evaluated"
                } else {
                    result = "not_matched"
                    why = decision.notMatched.first { $0.rule == rule }?.why
                }
                rules.append(.object([("rule", .int(index + 1)), ("group", .string(rule.group.normalized)), ("role", .string(rule.role.rawValue)),
                                      ("result", .string(result)), ("why", .string(why))]))
            }
        }
        let desired: JSONText.Value = story.decision.flatMap { $0.undesiredReason == nil ? $0.matched?.rule.role.rawValue : nil }.map { .string($0) } ?? .string(nil)
        let accounts = candidate.accounts.map { account -> JSONText.Value in
            .object([("podero_user_id", .string(account.id)), ("email", .string(account.email)), ("role", .string(account.role.apiValue)),
                     ("external_user_id", .string(account.externalID?.rawValue)), ("soft_deleted", .bool(account.isSoftDeleted)),
                     ("last_login", .string(account.activity.lastLogin)), ("joined_at", .string(account.activity.joinedAt)),
                     ("is_onboarded", account.activity.isOnboarded.map { .bool($0) } ?? .string(nil))])
        }
        let journal: JSONText.Value = candidate.managed.map { managed in
            var since: Date?
            switch managed.state {
            case .departed(let at), .softDeleted(let at), .restoreBlocked(let at, _): since = at
            case .active: since = nil
            }
            return .object([("podero_user_id", .string(managed.poderoID)), ("role", .string(managed.role.rawValue)),
                            ("state", .string(managed.state.name)), ("state_since", .string(since.map(AuditTime.format))),
                            ("managed_since", .string(AuditTime.format(managed.firstSeen))), ("adopted", .bool(managed.adopted)),
                            ("last_dn", .string(managed.lastDN))])
        } ?? .string(nil)
        let next = story.actions.map { action -> JSONText.Value in
            .object([("kind", .string(action.kind.rawValue)), ("role", .string(action.roleAfter?.rawValue)), ("reason", .string(action.reason))])
        }
        let audit = story.audit.map { record -> JSONText.Value in
            .object(record.textFields.map { ($0.0, JSONText.Value.string($0.1)) } + [("seq", .int(Int(record.seq))), ("hash", .string(record.hash))])
        }
        return JSONText.render(.object([
            ("query", .string(story.query)), ("external_user_id", .string(candidate.externalID?.rawValue)),
            ("directory", person), ("desired_role", desired),
            ("undesired_reason", .string(story.decision?.undesiredReason ?? (candidate.person == nil ? "not in the directory" : nil))),
            ("rules", .array(rules)), ("podero", .array(accounts)), ("journal", journal),
            ("next_sync", .object([("actions", .array(next)), ("skipped", .string(story.skippedReason)), ("held", .string(story.heldReason))])),
            ("audit", .array(audit)),
        ]))
    }
}
