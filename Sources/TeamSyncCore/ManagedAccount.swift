import Foundation

/// An account the journal owns: created or adopted by this daemon.
package struct ManagedAccount: Hashable, Sendable {
    /// Where the account is in its life.
    package enum State: Hashable, Sendable {
        /// Live, and the person is desired.
        case active
        /// Live, but the person is gone since `since`; soft-deleted after the grace.
        case departed(since: Date)
        /// Soft-deleted by us at `at`.
        case softDeleted(at: Date)
        /// The person came back, and Podero refused a new account because the old,
        /// soft-deleted one still holds the e-mail or external id: `blockedBy` is that account's
        /// id once a list with soft-deleted accounts has shown it.
        case restoreBlocked(since: Date, blockedBy: String?)

        /// The journal's name for the state.
        package var name: String {
            switch self {
            case .active: "active"
            case .departed: "departed"
            case .softDeleted: "soft_deleted"
            case .restoreBlocked: "restore_blocked"
            }
        }

        /// True while the account is live in Podero (it counts as managed).
        package var isLive: Bool {
            switch self {
            case .active, .departed: true
            case .softDeleted, .restoreBlocked: false
            }
        }
    }

    package var externalID: ExternalID
    package var poderoID: String
    package var email: String
    package var role: Role
    package var state: State
    /// When the daemon first took the account on.
    package var firstSeen: Date
    /// True when it was adopted rather than created.
    package var adopted: Bool
    /// The normalised DN of the person's entry when last read; a skipped entry at this DN keeps
    /// the account. Nil until the first read after the account was taken on.
    package var lastDN: String?
    /// When the person's access ends, as last read (`directory.users.expires_attribute`).
    package var expiresAt: Date?

    /// Why the live account `live` no longer matches this row (made an end-user, or carrying
    /// another person's external id), or nil when it does: a row alone never decides a deletion.
    package func disagreement(with live: RemoteAccount) -> String? {
        if live.role.teamRole == nil { return "its Podero account \(live.id) is now an end-user (\(live.role.apiValue))" }
        if live.externalID != externalID { return "its Podero account \(live.id) now carries another external id" }
        return nil
    }

    /// Creates a managed account.
    package init(externalID: ExternalID, poderoID: String, email: String, role: Role, state: State = .active, firstSeen: Date, adopted: Bool = false,
        lastDN: String? = nil, expiresAt: Date? = nil
    ) {
        self.externalID = externalID
        self.poderoID = poderoID
        self.email = email
        self.role = role
        self.state = state
        self.firstSeen = firstSeen
        self.adopted = adopted
        self.lastDN = lastDN
        self.expiresAt = expiresAt
    }
}
