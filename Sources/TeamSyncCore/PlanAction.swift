/// One thing a sync would do to one person, and why.
package struct PlanAction: Hashable, Sendable {
    /// What kind of action; the raw values are the audit log's `action` names.
    package enum Kind: String, Hashable, Sendable, CaseIterable, Codable {
        case adopt
        case create
        case updateRole = "update_role"
        case updateProfile = "update_profile"
        case markDeparted = "mark_departed"
        case softDelete = "soft_delete"
        case hardDelete = "hard_delete"
        case skip

        /// Departure-class actions: refused as a whole by the safety check.
        package var isDeparture: Bool { self == .markDeparted || self == .softDelete || self == .hardDelete }

        /// True for actions that write to Podero.
        package var writesRemote: Bool { self != .markDeparted && self != .skip && self != .adopt }

        /// Order in which a sync applies kinds.
        var order: Int { Self.allCases.firstIndex(of: self)! }
    }

    package var kind: Kind
    package var externalID: ExternalID?
    /// The person's e-mail (desired, or as the journal knows it).
    package var email: String?
    /// The Podero account, when one exists.
    package var poderoID: String?
    package var roleBefore: Role?
    package var roleAfter: Role?
    /// For creates: what is sent.
    package var newAccount: NewAccount?
    /// For adopt and updates: what is sent (adopt sends nothing itself).
    package var changes: AccountChanges?
    /// True for a create that brings back a person whose old account we soft-deleted.
    package var isRestore: Bool
    /// Plain words, e.g. "member of cn=podero-admins via cn=ops-leads".
    package var reason: String

    /// Creates an action.
    package init(
        _ kind: Kind, externalID: ExternalID?, email: String?, poderoID: String? = nil, roleBefore: Role? = nil,
        roleAfter: Role? = nil, newAccount: NewAccount? = nil, changes: AccountChanges? = nil, isRestore: Bool = false,
        reason: String
    ) {
        self.kind = kind
        self.externalID = externalID
        self.email = email
        self.poderoID = poderoID
        self.roleBefore = roleBefore
        self.roleAfter = roleAfter
        self.newAccount = newAccount
        self.changes = changes
        self.isRestore = isRestore
        self.reason = reason
    }
}

/// A change to the journal alone, with no Podero call.
package enum JournalUpdate: Hashable, Sendable {
    /// The person is desired again and the account is live: back to active.
    case reactivate(ExternalID)
    /// The person of a blocked restore left again: the case is closed, back to soft-deleted.
    case closeBlockedRestore(ExternalID)
}
