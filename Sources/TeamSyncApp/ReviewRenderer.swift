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

    package static func text(_ review: AccessReview, _ provenance: Provenance, lanes: Int = Lanes.available) -> String {
        var lines: [String] = []
        var table = TextTable([
            .init(header: "STANDING", limit: 18), .init(header: "E-MAIL", limit: 40), .init(header: "ROLE", limit: 5),
            .init(header: "LAST LOGIN", limit: 10), .init(header: "FLAGS", limit: 24), .init(header: "WHY", limit: 80),
        ])
        let rows = review.rows, now = review.generatedAt
        table.rows = Lanes.map(Lanes.slices(rows.count, lanes: lanes)) { range in
            rows.withUnsafeBufferPointer { rows in range.map { textCells(rows[$0], now: now) } }
        }.flatMap { $0 }
        if review.rows.isEmpty { lines.append("No admin or staff account in Podero.") } else { lines += table.render(lanes: lanes) }
        lines.append("")
        lines += summaryLines(review)
        lines.append("Generated \(AuditTime.format(review.generatedAt)) from \(provenance.configuration); audit log head: \(provenance.auditHeadText)")
        return lines.map(\.escapingControlCharacters).joined(separator: "\n")
    }

    private static func textCells(_ row: borrowing AccessReview.Row, now: Date) -> [String] {
        [row.standing.rawValue, row.email, row.role.rawValue, row.lastLogin.map(ExpiryText.date) ?? "never",
         row.flags.map(\.rawValue).joined(separator: ", "), whyText(row, now: now)]
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

    static func whyText(_ row: borrowing AccessReview.Row, now: Date) -> String {
        let why = row.why ?? "nothing in the directory gives this role"
        if row.expiresAt == nil && row.deleteAfter == nil { return why }
        var parts = [why]
        if let expires = row.expiresAt { parts.append(ExpiryText.relative(expires, now: now)) }
        if let due = row.deleteAfter { parts.append("soft delete after \(AuditTime.format(due))") }
        return parts.joined(separator: "; ")
    }

    // MARK: JSON

    /// Written straight into byte buffers, one per core, row by row (100,000 accounts make
    /// 40 MB): the same pretty layout as every other `--json`.
    package static func json(_ review: AccessReview, _ provenance: Provenance, lanes: Int = Lanes.available) -> String {
        let rows = review.rows
        let pieces = Lanes.map(Lanes.slices(rows.count, lanes: lanes)) { range in
            var out = ByteText(capacity: range.count * 600)
            // Read through the buffer and passed `borrowing`, so that a row is copied at most by
            // the compiler's choice, never by the loop.
            rows.withUnsafeBufferPointer { rows in
                for index in range { jsonRow(rows[index], first: index == 0, into: &out) }
            }
            return out
        }
        var out = ByteText(capacity: pieces.reduce(4096) { $0 + $1.bytes.count })
        out.append("{\n  \"accounts\": [")
        for piece in pieces { out.append(piece) }
        var tail = rows.isEmpty ? "],\n  \"summary\": " : "\n  ],\n  \"summary\": "
        JSONText.write(summaryJSON(review, provenance), indent: "  ", pretty: true, into: &tail)
        out.append(tail + "\n}")
        return out.string
    }

    private static func jsonRow(_ row: borrowing AccessReview.Row, first: Bool, into out: inout ByteText) {
        func field(_ key: String, _ value: String?) {
            out.append(",\n      \"")
            out.append(key)
            out.append("\": ")
            out.appendJSON(value)
        }
        func time(_ key: String, _ date: Date?) {
            out.append(",\n      \"")
            out.append(key)
            if let date {
                out.append("\": \"")
                out.append(time: date)
                out.append("\"")
            } else {
                out.append("\": null")
            }
        }
        out.append(first ? "\n    {\n      \"podero_user_id\": " : ",\n    {\n      \"podero_user_id\": ")
        out.appendJSON(row.poderoID)
        field("email", row.email)
        field("name", row.name)
        field("role", row.role.rawValue)
        field("external_user_id", row.externalID)
        field("standing", row.standing.rawValue)
        field("why", row.why)
        time("last_login", row.lastLogin)
        time("joined_at", row.joinedAt)
        out.append(",\n      \"is_onboarded\": ")
        out.append(row.isOnboarded.map { $0 ? "true" : "false" } ?? "null")
        time("expires_at", row.expiresAt)
        time("delete_after", row.deleteAfter)
        out.append(",\n      \"flags\": ")
        if row.flags.isEmpty {
            out.append("[]")
        } else {
            out.append("[\n        " + row.flags.map { "\"\($0.rawValue)\"" }.joined(separator: ",\n        ") + "\n      ]")
        }
        out.append("\n    }")
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
    package static func csv(_ review: AccessReview, lanes: Int = Lanes.available) -> String {
        let header = ["podero_user_id", "email", "name", "role", "external_user_id", "standing", "why", "last_login", "joined_at",
                      "is_onboarded", "expires_at", "delete_after", "flags"]
        let rows = review.rows
        let pieces = Lanes.map(Lanes.slices(rows.count, lanes: lanes)) { range in
            var out = ByteText(capacity: range.count * 300)
            rows.withUnsafeBufferPointer { rows in
                for index in range { csvRow(rows[index], into: &out) }
            }
            return out
        }
        var out = ByteText(capacity: pieces.reduce(1024) { $0 + $1.bytes.count })
        out.append(header.joined(separator: ",") + "\r\n")
        for piece in pieces { out.append(piece) }
        return out.string
    }

    private static func csvRow(_ row: borrowing AccessReview.Row, into out: inout ByteText) {
        func cell(_ value: String?, first: Bool = false) {
            if !first { out.append(",") }
            out.appendCSV(value ?? "")
        }
        func time(_ date: Date?) {
            out.append(",")
            if let date { out.append(time: date) }
        }
        cell(row.poderoID, first: true); cell(row.email); cell(row.name); cell(row.role.rawValue); cell(row.externalID)
        cell(row.standing.rawValue); cell(row.why); time(row.lastLogin); time(row.joinedAt)
        cell(row.isOnboarded.map { $0 ? "true" : "false" }); time(row.expiresAt); time(row.deleteAfter)
        cell(row.flags.map(\.rawValue).joined(separator: " "))
        out.append("\r\n")
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
    package static func html(_ review: AccessReview, _ provenance: Provenance, lanes: Int = Lanes.available) -> String {
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
            body.append(htmlRows(review.rows, rows.indices, now: review.generatedAt, lanes: lanes))
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

    /// The rows of one table (`bounds` of `rows`), one line each, written per core.
    private static func htmlRows(_ rows: [AccessReview.Row], _ bounds: Range<Int>, now: Date, lanes: Int) -> String {
        let pieces = Lanes.map(Lanes.slices(bounds.count, lanes: lanes)) { range in
            var out = ByteText(capacity: range.count * 500)
            rows.withUnsafeBufferPointer { rows in
                for index in range {
                    if index > 0 { out.append("\n") }
                    htmlRow(rows[bounds.lowerBound + index], now: now, into: &out)
                }
            }
            return out
        }
        var out = ByteText(capacity: pieces.reduce(0) { $0 + $1.bytes.count })
        for piece in pieces { out.append(piece) }
        return out.string
    }

    private static func htmlRow(_ row: borrowing AccessReview.Row, now: Date, into out: inout ByteText) {
        out.append(row.flags.isEmpty ? "<tr><td>" : "<tr class=\"flagged\"><td>")
        out.appendHTML(row.email)
        out.append("</td><td>")
        out.appendHTML(row.name ?? "")
        out.append("</td><td class=\"nw\">")
        out.appendHTML(row.role.rawValue)
        out.append("</td><td><code>")
        out.appendHTML(row.poderoID)
        out.append("</code></td><td><code>")
        out.appendHTML(row.externalID ?? "")
        out.append("</code></td><td class=\"nw\" title=\"")
        if let last = row.lastLogin { out.append(time: last) }
        out.append("\">")
        out.appendHTML(row.lastLogin.map(ExpiryText.date) ?? "never")
        out.append("</td><td class=\"nw\">")
        out.appendHTML(row.joinedAt.map(ExpiryText.date) ?? "")
        out.append("</td><td class=\"nw\">")
        out.append(row.flags.map { "<span class=\"flag\">\(h($0.rawValue))</span>" }.joined(separator: " "))
        out.append("</td><td>")
        out.appendHTML(whyText(row, now: now))
        out.append("</td></tr>")
    }

    /// Text escaped for HTML (element content and quoted attributes).
    static func h(_ text: String) -> String {
        // Most cells have nothing to escape: answered from their bytes, without a copy.
        if ByteText.isPlain(text, excluding: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) { return text }  // & < > " 
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
