import Foundation
import TeamSyncCore

/// `plan` output: a table for people, one JSON document for programs.
package enum PlanRenderer {
    /// The readable table, the diagnostics and a summary line.
    package static func table(_ preview: SyncCycle.Preview, expiryNotice: Duration = ReviewSettings().expiryNotice, now: Date = Date()) -> String {
        let plan = preview.plan
        var lines: [String] = []
        if plan.actions.isEmpty && plan.skipped.isEmpty {
            lines.append("Nothing to do: Podero is in step with the directory.")
        } else {
            let actionRows = plan.actions.map { action -> [String] in
                let person = action.person.rawValue + " " + action.email
                let role: String
                switch (action.roleBefore, action.roleAfter) {
                case (let before?, let after?) where before != after: role = "\(before.rawValue) → \(after.rawValue)"
                case (nil, let after?): role = after.rawValue
                case (let before?, _): role = before.rawValue
                default: role = "-"
                }
                return [action.kind.rawValue + (action.isRestore ? " (restore)" : ""), person, role, action.reason]
            }
            let skipRows = plan.skipped.map { entry -> [String] in
                let person = [entry.externalID?.rawValue, entry.email?.value].compactMap { $0 }.joined(separator: " ")
                return [AuditAction.skip.rawValue, person, entry.role?.rawValue ?? "-", entry.detail]
            }
            var table = TextTable([
                .init(header: "ACTION", limit: 20), .init(header: "PERSON", limit: 60), .init(header: "ROLE", limit: 16),
                .init(header: "REASON", limit: 100),
            ])
            for row in actionRows + skipRows { table.append(row) }
            lines += table.render()
        }
        if !plan.held.isEmpty {
            lines.append("")
            lines.append("Departures held, each needs a human (\(plan.held.count)):")
            lines += plan.held.map { "  \($0.account.externalID.rawValue) \($0.account.email)  \($0.detail)" }
        }
        let horizon = now.addingTimeInterval(expiryNotice.timeInterval)
        let expiring = plan.expiring.filter { $0.expiresAt <= horizon }
        if !expiring.isEmpty {
            lines.append("")
            lines.append("Access expiring within \(DurationText.format(expiryNotice)) (review.expiry_notice): \(expiring.count)")
            lines += expiring.map { "  \($0.externalID.rawValue) \($0.email)  \($0.role.rawValue), \(ExpiryText.relative($0.expiresAt, now: now))" }
        }
        let warnings = plan.diagnostics.filter { $0.severity == .warning }.count
        if !plan.diagnostics.isEmpty {
            lines.append("")
            lines.append("Diagnostics (\(plan.diagnostics.count), \(warnings) warnings):")
            lines += plan.diagnostics.prefix(50).map { "  \($0)" }
            if plan.diagnostics.count > 50 { lines.append("  … and \(plan.diagnostics.count - 50) more (plan --json lists all)") }
        }
        if !preview.approved.isEmpty {
            lines.append("")
            lines.append("Approved by name (podero-team-sync approve): \(preview.approved.count) departures go ahead whatever the limits:")
            lines += preview.approved.sorted { $0.key.rawValue < $1.key.rawValue }.map { "  \($0.key.rawValue)  \($0.value)" }
        }
        if !preview.refusals.isEmpty {
            lines.append("")
            let which = preview.approved.isEmpty ? "every deletion" : "every other deletion"
            lines.append("A sync would REFUSE \(which) (exit 4) and hold the people for approval by name: " + preview.refusals.joined(separator: "; "))
        }
        lines.append("")
        lines.append("plan: " + summaryText(plan) + "; \(preview.matchedCount) people matched directory.users")
        // DNs, names and reasons come from outside: no line may carry a control character.
        return lines.map(\.escapingControlCharacters).joined(separator: "\n")
    }

    /// `{"actions": [...], "diagnostics": [...], "summary": {...}}`.
    package static func json(_ preview: SyncCycle.Preview) -> String {
        let plan = preview.plan
        let actions = plan.actions.map { action -> JSONText.Value in
            var fields: [(String, JSONText.Value)] = [
                ("kind", .string(action.kind.rawValue)), ("external_user_id", .string(action.person.rawValue)),
                ("email", .string(action.email)), ("role", .string(action.roleAfter?.rawValue)), ("reason", .string(action.reason)),
                ("role_before", .string(action.roleBefore?.rawValue)), ("podero_user_id", .string(action.poderoID)),
            ]
            if let changes = action.changes { fields.append(("fields", .array(changes.fieldNames.map { .string($0) }))) }
            if action.kind == .create { fields.append(("restore", .bool(action.isRestore))) }
            return .object(fields)
        }
        // Skipped people are listed with the actions as kind "skip", as they always were.
        let skips = plan.skipped.map { entry -> JSONText.Value in
            .object([
                ("kind", .string(AuditAction.skip.rawValue)), ("external_user_id", .string(entry.externalID?.rawValue)),
                ("email", .string(entry.email?.value)), ("role", .string(entry.role?.rawValue)), ("reason", .string(entry.detail)),
                ("role_before", .string(nil)), ("podero_user_id", .string(entry.poderoID)),
            ])
        }
        let diagnostics = plan.diagnostics.map { diagnostic -> JSONText.Value in
            .object([("code", .string(diagnostic.code.rawValue)), ("severity", .string(diagnostic.severity.rawValue)),
                     ("entry", .string(diagnostic.entry)), ("message", .string(diagnostic.message))])
        }
        let counts = plan.counts
        let summary: JSONText.Value = .object(
            PlanAction.Kind.allCases.map { ($0.rawValue, JSONText.Value.int(counts[$0] ?? 0)) } + [
                ("skip", .int(plan.skipped.count)),
                ("total", .int(plan.actions.count + plan.skipped.count)), ("drift", .bool(plan.hasDrift)),
                ("matched_people", .int(preview.matchedCount)),
                ("safety_refusals", .array(preview.refusals.map { .string($0) })),
                ("approved_departures", .array(preview.approved.keys.map(\.rawValue).sorted().map { .string($0) })),
            ])
        let held = plan.held.map { held -> JSONText.Value in
            .object([("external_user_id", .string(held.account.externalID.rawValue)), ("email", .string(held.account.email)),
                     ("podero_user_id", .string(held.account.poderoID)), ("detail", .string(held.detail))])
        }
        return JSONText.render(.object([
            ("actions", .array(actions + skips)), ("diagnostics", .array(diagnostics)), ("held_departures", .array(held)), ("summary", summary),
        ]))
    }

    static func summaryText(_ plan: Plan) -> String {
        let counts = plan.counts
        var parts = PlanAction.Kind.allCases.compactMap { kind in counts[kind].map { "\($0) \(kind.rawValue)" } }
        if !plan.skipped.isEmpty { parts.append("\(plan.skipped.count) skip") }
        return parts.isEmpty ? "nothing to do" : parts.joined(separator: ", ")
    }
}
