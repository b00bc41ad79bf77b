import CLDAP
import Foundation

/// A failed or incomplete directory read. Its description carries the LDAP result code and the
/// server's diagnostic message, never a DN, a filter value or a password.
package struct LDAPError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, coarsely; drives the wording and tests.
    package enum Kind: String, Sendable {
        case connect
        case tls
        case bind
        case timeout
        case search
        case incomplete
        case settings
        case missingRoleGroup
    }

    /// What went wrong.
    package var kind: Kind
    /// The operation that failed ("bind", "search people", …).
    package var operation: String
    /// libldap's result code, when there is one.
    package var code: Int32?
    /// Plain-words explanation.
    package var reason: String
    /// The server's or library's diagnostic message, if any.
    package var serverMessage: String?

    /// Creates an error.
    package init(_ kind: Kind, operation: String, code: Int32? = nil, reason: String, serverMessage: String? = nil) {
        self.kind = kind
        self.operation = operation
        self.code = code
        self.reason = reason
        let trimmed = serverMessage?.trimmingCharacters(in: .whitespacesAndNewlines)
        self.serverMessage = (trimmed?.isEmpty ?? true) ? nil : trimmed
    }

    package var description: String {
        var text = "directory \(operation) failed: \(reason)"
        if let code { text += " (LDAP result \(code): \(LDAPError.name(of: code)))" }
        if let serverMessage { text += "; server says: \(serverMessage)" }
        return text
    }

    /// libldap's own name for a result code (`ldap_err2string`, a static string).
    package static func name(of code: Int32) -> String {
        String(cString: ldap_err2string(code))
    }
}
