import Foundation
import TeamSyncCore

/// `review` output: a readable report, one JSON document, CSV, and a self-contained HTML page.
package enum ReviewRenderer {
    /// Where the review came from, printed on every form.
    package struct Provenance: Sendable {
        /// The configuration file.
        package var configuration: String
        /// The audit log's newest record (`seq`, `hash`), which ties the page to the log.
        package var auditHead: (seq: Int64, hash: String)?

        package init(configuration: String, auditHead: (seq: Int64, hash: String)?) {
            self.configuration = configuration
            self.auditHead = auditHead
        }

        var auditHeadText: String { auditHead.map { "seq \($0.seq), hash \($0.hash)" } ?? "empty audit log" }
    }

    // MARK: Text

    package static func text(_ review: AccessReview, _ provenance: Provenance) -> String {
        var lines: [String] = []
        var table = TextTable([
            .init(header: "STANDING", limit: 18), .init(header: "E-MAIL", limit: 40), .init(header: "ROLE", limit: 5),
            .init(header: "LAST LOGIN", limit: 10), .init(header: "FLAGS", limit: 24), .init(header: "WHY", limit: 80),
        ])
        for row in review.rows {
            table.append([row.standing.rawValue, row.email, row.role.rawValue, row.lastLogin.map(ExpiryText.date) ?? "never",
                          row.flags.map(\.rawValue).joined(separator: ", "), whyText(row, now: review.generatedAt)])
        }
        if review.rows.isEmpty { lines.append("No admin or staff account in Podero.") } else { lines += table.render() }
        lines.append("")
        lines += summaryLines(review)
        lines.append("Generated \(AuditTime.format(review.generatedAt)) from \(provenance.configuration); audit log head: \(provenance.auditHeadText)")
        return lines.map(\.escapingControlCharacters).joined(separator: "\n")
    }

    static func summaryLines(_ review: AccessReview) -> [String] {
        let standings = review.standingCounts.filter { $0.1 > 0 }.map { "\($0.1) \($0.0.rawValue)" }
        let flags = review.flagCounts.filter { $0.1 > 0 }.map { "\($0.1) \($0.0.rawValue)" }
        var admins = "\(review.admins) admins"
        if let max = review.settings.maxAdmins { admins += review.tooManyAdmins ? " (MORE than review.max_admins \(max))" : " (review.max_admins \(max))" }
        return [
            "review: \(review.rows.count) team accounts" + (standings.isEmpty ? "" : " (" + standings.joined(separator: ", ") + ")")
                + "; \(admins); \(review.endUsers) end-users (counted, not listed)",
            "flags: " + (flags.isEmpty ? "none" : flags.joined(separator: ", "))
                + " (inactive: no login for \(DurationText.format(review.settings.inactiveAfter)); invitation_pending: never logged in \(DurationText.format(review.settings.invitationStaleAfter)) after joining)",
        ]
    }

    static func whyText(_ row: AccessReview.Row, now: Date) -> String {
        var parts: [String] = [row.why ?? "nothing in the directory gives this role"]
        if let expires = row.expiresAt { parts.append(ExpiryText.relative(expires, now: now)) }
        if let due = row.deleteAfter { parts.append("soft delete after \(AuditTime.format(due))") }
        return parts.joined(separator: "; ")
    }

    // MARK: JSON

    /// Written straight into one buffer, row by row (100,000 accounts make 40 MB): the same
    /// pretty layout as every other `--json`.
    package static func json(_ review: AccessReview, _ provenance: Provenance) -> String {
        var out = "{\n  \"accounts\": ["
        out.reserveCapacity(review.rows.count * 560 + 1024)
        func field(_ key: String, _ value: String?, first: Bool = false) {
            out += first ? "\n      \"" : ",\n      \""
            out += key
            out += "\": "
            if let value { JSONText.appendQuoted(value, to: &out) } else { out += "null" }
        }
        func time(_ key: String, _ date: Date?) { field(key, date.map(RFC3339.format)) }
        for (index, row) in review.rows.enumerated() {
            out += index == 0 ? "\n    {" : ",\n    {"
            field("podero_user_id", row.poderoID, first: true)
            field("email", row.email)
            field("name", row.name)
            field("role", row.role.rawValue)
            field("external_user_id", row.externalID)
            field("standing", row.standing.rawValue)
            field("why", row.why)
            time("last_login", row.lastLogin)
            time("joined_at", row.joinedAt)
            out += ",\n      \"is_onboarded\": " + (row.isOnboarded.map { $0 ? "true" : "false" } ?? "null")
            time("expires_at", row.expiresAt)
            time("delete_after", row.deleteAfter)
            out += ",\n      \"flags\": "
            if row.flags.isEmpty {
                out += "[]"
            } else {
                out += "[\n        " + row.flags.map { "\"\($0.rawValue)\"" }.joined(separator: ",\n        ") + "\n      ]"
            }
            out += "\n    }"
        }
        out += review.rows.isEmpty ? "],\n  \"summary\": " : "\n  ],\n  \"summary\": "
        JSONText.write(summaryJSON(review, provenance), indent: "  ", pretty: true, into: &out)
        out += "\n}"
        return out
    }

    static func summaryJSON(_ review: AccessReview, _ provenance: Provenance) -> JSONText.Value {
        .object([
            ("accounts", .int(review.rows.count)),
            ("standings", .object(review.standingCounts.map { ($0.0.rawValue, .int($0.1)) })),
            ("flags", .object(review.flagCounts.map { ($0.0.rawValue, .int($0.1)) })),
            ("admins", .int(review.admins)), ("max_admins", review.settings.maxAdmins.map { .int($0) } ?? .string(nil)),
            ("too_many_admins", .bool(review.tooManyAdmins)), ("end_users", .int(review.endUsers)),
            ("includes_deleted", .bool(review.includesDeleted)), ("needs_action", .bool(review.needsAction)),
            ("generated_at", .string(AuditTime.format(review.generatedAt))), ("configuration", .string(provenance.configuration)),
            ("audit_head", provenance.auditHead.map { .object([("seq", .int(Int($0.seq))), ("hash", .string($0.hash))]) } ?? .string(nil)),
        ])
    }

    // MARK: CSV

    /// RFC 4180 with CRLF; a cell that a spreadsheet would run as a formula (it begins with
    /// `=`, `+`, `-`, `@`, tab, carriage return or `'`) gets one leading `'` (OWASP).
    package static func csv(_ review: AccessReview) -> String {
        let header = ["podero_user_id", "email", "name", "role", "external_user_id", "standing", "why", "last_login", "joined_at",
                      "is_onboarded", "expires_at", "delete_after", "flags"]
        var lines = [header.joined(separator: ",")]
        for row in review.rows {
            let cells: [String?] = [
                row.poderoID, row.email, row.name, row.role.rawValue, row.externalID, row.standing.rawValue, row.why,
                row.lastLogin.map(AuditTime.format), row.joinedAt.map(AuditTime.format), row.isOnboarded.map { $0 ? "true" : "false" },
                row.expiresAt.map(AuditTime.format), row.deleteAfter.map(AuditTime.format), row.flags.map(\.rawValue).joined(separator: " "),
            ]
            lines.append(cells.map { csvCell($0 ?? "") }.joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    static func csvCell(_ value: String) -> String {
        // The formula check looks at the value as it came; control characters are then escaped.
        var text = value.escapingControlCharacters
        if let first = value.unicodeScalars.first, "=+-@\t\r'".unicodeScalars.contains(first) { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    // MARK: HTML

    /// One self-contained page (no script, no external resource), printable: summary counts, a
    /// table per standing, the flags highlighted, when and from what it was made, and the audit
    /// log's head hash.
    package static func html(_ review: AccessReview, _ provenance: Provenance) -> String {
        let generated = AuditTime.format(review.generatedAt)
        var body: [String] = []
        body.append("<h1>Podero team access review</h1>")
        body.append("<p class=\"meta\">Generated <time datetime=\"\(h(generated))\">\(h(generated))</time> by podero-team-sync from "
            + "<code>\(h(provenance.configuration))</code>. Audit log head: <code id=\"audit-head\">\(h(provenance.auditHeadText))</code>"
            + " (check it with <code>podero-team-sync audit verify</code>).</p>")
        body.append("<h2>Summary</h2>")
        body.append("<table class=\"summary\"><tbody>")
        body.append("<tr><th>Team accounts (admin and staff)</th><td id=\"count-accounts\">\(review.rows.count)</td></tr>")
        for (standing, count) in review.standingCounts {
            body.append("<tr><th>\(h(standing.title))</th><td id=\"count-\(standing.rawValue)\">\(count)</td></tr>")
        }
        for (flag, count) in review.flagCounts {
            body.append("<tr\(count > 0 ? " class=\"raised\"" : "")><th>Flag: \(flag.rawValue)</th><td id=\"flag-\(flag.rawValue)\">\(count)</td></tr>")
        }
        let limit = review.settings.maxAdmins.map { " (review.max_admins: \($0))" } ?? ""
        body.append("<tr\(review.tooManyAdmins ? " class=\"raised\"" : "")><th>Admins\(h(limit))</th><td id=\"count-admins\">\(review.admins)</td></tr>")
        body.append("<tr><th>End-users (counted, never listed)</th><td id=\"count-end-users\">\(review.endUsers)</td></tr>")
        body.append("</tbody></table>")
        body.append("<p class=\"meta\">inactive: no login for \(h(DurationText.format(review.settings.inactiveAfter))) (review.inactive_after); "
            + "invitation_pending: never logged in \(h(DurationText.format(review.settings.invitationStaleAfter))) after joining "
            + "(review.invitation_stale_after). The fix for an inactive person is in the directory: the daemon never removes an "
            + "account the directory still grants.</p>")
        for standing in AccessReview.Standing.allCases.sorted(by: { $0.order < $1.order }) {
            let rows = review.rows(standing)
            guard !rows.isEmpty else { continue }
            body.append("<section id=\"standing-\(standing.rawValue)\"><h2>\(h(standing.title)) (\(rows.count))</h2>")
            body.append("<table><thead><tr><th>E-mail</th><th>Name</th><th>Role</th><th>Podero id</th><th>External id</th>"
                + "<th>Last login</th><th>Joined</th><th>Flags</th><th>Why</th></tr></thead><tbody>")
            for row in rows {
                let flags = row.flags.map { "<span class=\"flag\">\(h($0.rawValue))</span>" }.joined(separator: " ")
                body.append("<tr\(row.flags.isEmpty ? "" : " class=\"flagged\"")><td>\(h(row.email))</td><td>\(h(row.name ?? ""))</td>"
                    + "<td class=\"nw\">\(h(row.role.rawValue))</td><td><code>\(h(row.poderoID))</code></td><td><code>\(h(row.externalID ?? ""))</code></td>"
                    + "<td class=\"nw\" title=\"\(h(row.lastLogin.map(AuditTime.format) ?? ""))\">\(h(row.lastLogin.map(ExpiryText.date) ?? "never"))</td>"
                    + "<td class=\"nw\">\(h(row.joinedAt.map(ExpiryText.date) ?? ""))</td><td class=\"nw\">\(flags)</td><td>\(h(whyText(row, now: review.generatedAt)))</td></tr>")
            }
            body.append("</tbody></table></section>")
        }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
            <meta name="generator" content="podero-team-sync review">
            <title>Podero team access review, \(h(generated))</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 2em; color: #111; }
            h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 1.5em; }
            table { border-collapse: collapse; width: 100%; font-size: 0.85em; }
            th, td { border: 1px solid #bbb; padding: 0.25em 0.5em; text-align: left; vertical-align: top; overflow-wrap: break-word; }
            td.nw, .flag { white-space: nowrap; }
            thead th { background: #eee; }
            table.summary { width: auto; } table.summary td { text-align: right; }
            .meta { color: #444; font-size: 0.9em; }
            .flag { background: #fde68a; border: 1px solid #b45309; border-radius: 3px; padding: 0 0.3em; font-weight: bold; }
            tr.flagged td, tr.raised td, tr.raised th { background: #fff7d6; }
            @media print { body { margin: 0; } section { break-inside: auto; } thead { display: table-header-group; } tr { break-inside: avoid; } }
            </style>
            </head>
            <body>
            \(body.joined(separator: "\n"))
            </body>
            </html>

            """
    }

    /// Text escaped for HTML (element content and quoted attributes).
    static func h(_ text: String) -> String {
        // Most cells have nothing to escape: answered without a copy.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">")
            || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "'") || $0 >= 0xC2 }) {
            return text
        }
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.escapingControlCharacters.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
