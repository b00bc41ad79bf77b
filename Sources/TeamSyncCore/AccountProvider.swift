/// Port: where team accounts live (the Podero Partner API, or a fake).
package protocol AccountProvider: Sendable {
    /// Every user of the organisation (all roles); soft-deleted ones too when asked, marked
    /// `isSoftDeleted`.
    func listAccounts(includeDeleted: Bool) async throws -> [RemoteAccount]

    /// The user carrying this external id, or nil.
    func account(externalID: ExternalID, includeDeleted: Bool) async throws -> RemoteAccount?

    /// Creates an account. Never blind: when an earlier attempt's outcome is unknown, the
    /// provider looks the person up by external id before sending the create again.
    func create(_ account: NewAccount) async throws -> RemoteAccount

    /// Sends only the fields set in `changes`.
    func update(id: String, _ changes: AccountChanges) async throws -> RemoteAccount

    /// Deletes an account: soft (access revoked, data kept) or hard (gone for good).
    func delete(id: String, soft: Bool) async throws
}
