import TeamSyncCore

/// A failed Podero call, classified once: what kind, whether retrying can help, and whether the
/// request may have taken effect. Its description never carries a token, a secret or an e-mail.
package struct PoderoError: AccountProviderError, Sendable {
    /// What went wrong.
    package enum Kind: Sendable, Equatable {
        /// The token endpoint refused the client id or secret.
        case authentication
        /// A bearer token was refused even after renewing it.
        case unauthorized
        case forbidden
        case notFound
        /// The e-mail or the external id is already taken in the organisation.
        case duplicate(DuplicateField)
        /// The API rejected the request's content (422, 400).
        case validation
        case rateLimited
        case server
        /// No answer in time.
        case timeout
        /// Connecting or talking to the server failed.
        case transport
        /// The answer could not be understood.
        case invalidResponse
    }

    /// Which identifier collided.
    package typealias DuplicateField = AccountFailure.Field

    package var kind: Kind
    /// The call, e.g. "create", "list users".
    package var operation: String
    /// HTTP status, when an answer arrived.
    package var status: Int?
    /// The API's `detail`, with e-mail addresses masked.
    package var detail: String?
    /// True when the request may have taken effect although it failed (timeout, dropped
    /// connection, 5xx): a create must look before it tries again.
    package var outcomeUnknown: Bool
    /// The server's `Retry-After`, when the answer carried one.
    package var retryAfterHint: Duration?
    /// True once a retry loop has given up on it: a loop around that one (a call whose token
    /// fetch failed) does not start another round (attempts would multiply: 6 × 6).
    package var retriesSpent = false

    /// Creates an error.
    package init(_ kind: Kind, operation: String, status: Int? = nil, detail: String? = nil, outcomeUnknown: Bool = false) {
        self.kind = kind
        self.operation = operation
        self.status = status
        // The API's text is foreign: no control character reaches stderr, status or the audit log.
        self.detail = detail.map { Self.maskingEmails($0).escapingControlCharacters }
        self.outcomeUnknown = outcomeUnknown
    }

    /// Retrying may help: network faults, timeouts, 5xx, 429.
    package var isTransient: Bool {
        switch kind {
        case .rateLimited, .server, .timeout, .transport: true
        default: false
        }
    }

    /// The core's view of the failure, for the apply side.
    package var failure: AccountFailure {
        switch kind {
        case .duplicate(let field): .duplicate(field)
        case .notFound: .notFound
        case .rateLimited, .server, .timeout, .transport: .transient(outcomeUnknown: outcomeUnknown)
        case .authentication, .unauthorized, .forbidden, .validation, .invalidResponse: .rejected
        }
    }

    package var description: String {
        var text = "Podero \(operation) failed: \(reason)"
        if let status { text += " (HTTP \(status))" }
        if let detail, !detail.isEmpty { text += ": \(detail)" }
        return text
    }

    private var reason: String {
        switch kind {
        case .authentication: "the client id or secret was refused (podero.client_id, podero.client_secret_file)"
        case .unauthorized: "the access token was refused even after renewing it"
        case .forbidden: "the API client may not do this"
        case .notFound: "not found"
        case .duplicate(let field): "the \(field == .email ? "e-mail" : field == .externalID ? "external id" : "e-mail or external id") is already taken in the organisation"
        case .validation: "the API rejected the request"
        case .rateLimited: "rate limited"
        case .server: "server error"
        case .timeout: "no answer within podero.timeout"
        case .transport: "could not talk to the API"
        case .invalidResponse: "the answer could not be understood"
        }
    }

    /// Replaces anything shaped like an e-mail address with `<email>`.
    static func maskingEmails(_ text: String) -> String {
        text.split(separator: " ", omittingEmptySubsequences: false)
            .map { $0.contains("@") ? "<email>" : String($0) }
            .joined(separator: " ")
    }
}
