/// A finding about the input that does not stop the run: it is recorded and shown to an
/// administrator (`status`, `plan --json`).
package struct Diagnostic: Hashable, Sendable, CustomStringConvertible {
    /// What kind of finding this is.
    package enum Code: String, Hashable, Sendable, Codable {
        case missingExternalID = "missing_external_id"
        case invalidExternalID = "invalid_external_id"
        case missingEmail = "missing_email"
        case invalidEmail = "invalid_email"
        case duplicateEmail = "duplicate_email"
        case duplicateExternalID = "duplicate_external_id"
        case invalidDN = "invalid_dn"
        /// A first or last name with a control character (NUL, ESC, a newline) or over 256 characters.
        case invalidName = "invalid_name"
        case unresolvedMember = "unresolved_member"
        case groupCycle = "group_cycle"
        case nestedGroupIgnored = "nested_group_ignored"
        /// A desired person's account is in the way: an end-user, or a foreign account.
        case accountConflict = "account_conflict"
        /// A managed account whose person is gone is kept, because the evidence disagrees
        /// (its entry was skipped, or the live account no longer matches the journal).
        case departureHeld = "departure_held"
        /// A configured attribute that no entry of the people search showed: the bind account
        /// may not be allowed to read it (a server answers "success" and hides it).
        case attributeUnseen = "attribute_unseen"
        /// A person whose e-mail is outside `sync.allowed_email_domains` (and whose rule does not
        /// allow external e-mail): never created.
        case emailDomainNotAllowed = "email_domain_not_allowed"
        /// A value of `directory.users.expires_attribute` that is not a date in the expected format.
        case invalidExpiry = "invalid_expiry"
    }

    /// How much attention it needs.
    package enum Severity: String, Hashable, Sendable, Codable {
        case notice
        case warning
    }

    /// What kind of finding this is.
    package var code: Code
    /// How much attention it needs.
    package var severity: Severity
    /// The entry it is about (a DN), for the administrator. Never logged at info level.
    package var entry: String
    /// What is wrong, in plain words.
    package var message: String

    /// Creates a diagnostic.
    package init(_ code: Code, severity: Severity = .warning, entry: String, message: String) {
        self.code = code
        self.severity = severity
        self.entry = entry
        self.message = message
    }

    package var description: String { "\(severity.rawValue) \(code.rawValue): \(entry): \(message)" }
}
