/// Port: where team accounts live (the Podero Partner API, or a fake).
package protocol AccountProvider: Sendable {
    /// Every user of the organisation (all roles); soft-deleted ones too when asked, marked
    /// `isSoftDeleted`.
    func listAccounts(includeDeleted: Bool) async throws -> [RemoteAccount]

    /// The user carrying this external id, or nil.
    func account(externalID: ExternalID, includeDeleted: Bool) async throws -> RemoteAccount?

    /// The live (not soft-deleted) user with this Podero id, or nil.
    func account(id: String) async throws -> RemoteAccount?

    /// Creates an account. Never blind: when an earlier attempt's outcome is unknown, the
    /// provider looks the person up by external id before sending the create again.
    func create(_ account: NewAccount) async throws -> RemoteAccount

    /// Sends only the fields set in `changes`.
    func update(id: String, _ changes: AccountChanges) async throws -> RemoteAccount

    /// Deletes an account: soft (access revoked, data kept) or hard (gone for good).
    func delete(id: String, soft: Bool) async throws
}

/// What the apply side needs to know of a failed provider call, whatever the provider.
package enum AccountFailure: Sendable, Equatable {
    /// Which identifier is already taken.
    package enum Field: String, Sendable, Equatable {
        case email
        case externalID = "external_user_id"
        case unknown
    }

    /// The e-mail or the external id is already taken in the organisation.
    case duplicate(Field)
    /// The account does not exist.
    case notFound
    /// Refused for good: retrying the same request cannot help (validation, permission, credentials).
    case rejected
    /// Failed for now; `outcomeUnknown` when the request may have taken effect all the same.
    case transient(outcomeUnknown: Bool)
}

/// An error an `AccountProvider` throws: it says which `AccountFailure` it is. Its description
/// names the call and the cause and never carries a secret or an e-mail address.
package protocol AccountProviderError: Error, CustomStringConvertible {
    var failure: AccountFailure { get }
}
