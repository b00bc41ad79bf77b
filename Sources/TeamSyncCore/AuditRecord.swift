import Foundation

/// One event of the audit log, with the fields of CONTRACT.md's export.
package struct AuditRecord: Sendable, Equatable {
    /// Position in the log, from 1 (assigned on append).
    package var seq: Int64 = 0
    /// RFC 3339 UTC, seconds.
    package var time: String
    package var runID: String?
    package var action: AuditAction
    package var outcome: AuditOutcome
    package var externalUserID: String?
    package var poderoUserID: String?
    package var email: String?
    package var roleBefore: String?
    package var roleAfter: String?
    package var reason: String?
    /// hex(SHA-256(previous hash + "\n" + canonical)) (assigned on append).
    package var hash: String = ""

    /// Creates a record for appending.
    package init(
        time: Date, runID: String?, action: AuditAction, outcome: AuditOutcome, externalUserID: String? = nil,
        poderoUserID: String? = nil, email: String? = nil, roleBefore: String? = nil, roleAfter: String? = nil,
        reason: String? = nil
    ) {
        self.time = AuditTime.format(time)
        self.runID = runID
        self.action = action
        self.outcome = outcome
        self.externalUserID = externalUserID
        self.poderoUserID = poderoUserID
        self.email = email
        self.roleBefore = roleBefore
        self.roleAfter = roleAfter
        self.reason = reason
    }

    /// The export's field order.
    package static let fieldNames = [
        "seq", "time", "run_id", "action", "outcome", "external_user_id", "podero_user_id", "email",
        "role_before", "role_after", "reason", "hash",
    ]

    /// The text fields by export name (seq and hash excluded), absent as nil.
    package var textFields: [(String, String?)] {
        [
            ("time", time), ("run_id", runID), ("action", action.rawValue), ("outcome", outcome.rawValue),
            ("external_user_id", externalUserID), ("podero_user_id", poderoUserID), ("email", email),
            ("role_before", roleBefore), ("role_after", roleAfter), ("reason", reason),
        ]
    }
}

/// RFC 3339 UTC timestamps with whole seconds, as the audit log writes them.
package enum AuditTime {
    package static func format(_ date: Date) -> String {
        // Years 1583 to 9999 (where Foundation's Gregorian calendar is proleptic, as RFC3339's
        // arithmetic is) without the formatter: the access review writes several per account.
        if (-12_212_553_600...253_402_300_799).contains(date.timeIntervalSince1970) { return RFC3339.format(date) }
        return date.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!))
    }

    /// Parses RFC 3339 (any offset, optional fractional seconds).
    package static func parse(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }
}
