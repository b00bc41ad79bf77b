import Foundation

/// One thing a sync would do to one person, and why. Each kind carries exactly its data in
/// `change`; the rest is derived from it.
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

        /// Departure-class actions: refused as a whole by the safety check.
        package var isDeparture: Bool { self == .markDeparted || self == .softDelete || self == .hardDelete }

        /// True for actions that write to Podero (they go through a journal intent).
        package var writesRemote: Bool { self != .markDeparted && self != .adopt }

        /// The audit log's name for the kind.
        package var auditAction: AuditAction {
            switch self {
            case .adopt: .adopt
            case .create: .create
            case .updateRole: .updateRole
            case .updateProfile: .updateProfile
            case .markDeparted: .markDeparted
            case .softDelete: .softDelete
            case .hardDelete: .hardDelete
            }
        }

        /// Order in which a sync applies kinds (the order of the cases).
        var order: Int {
            switch self {
            case .adopt: 0
            case .create: 1
            case .updateRole: 2
            case .updateProfile: 3
            case .markDeparted: 4
            case .softDelete: 5
            case .hardDelete: 6
            }
        }
    }

    /// What the action does, with exactly the data it needs.
    package enum Change: Hashable, Sendable {
        /// A new account; `isRestore` when it brings back a person whose old account we soft-deleted.
        case create(NewAccount, isRestore: Bool)
        /// Take over an existing team account that has role `current` (the journal records it;
        /// updates that follow bring it in line with `desired`).
        case adopt(poderoID: String, current: Role, desired: Role)
        /// Change the role only.
        case updateRole(poderoID: String, from: Role?, to: Role)
        /// Change profile fields only; `current` and `desired` roles are for the audit log.
        case updateProfile(poderoID: String, AccountChanges, current: Role?, desired: Role)
        /// Start the departure grace of a managed account (journal only).
        case markDeparted(ManagedAccount)
        case softDelete(ManagedAccount)
        case hardDelete(ManagedAccount)
    }

    /// The person's external id.
    package var person: ExternalID
    /// The person's e-mail (desired, or as the journal knows it).
    package var email: String
    /// Plain words, e.g. "member of cn=podero-admins via cn=ops-leads".
    package var reason: String
    package var change: Change

    /// Creates an action.
    package init(person: ExternalID, email: String, reason: String, change: Change) {
        self.person = person
        self.email = email
        self.reason = reason
        self.change = change
    }

    package var kind: Kind {
        switch change {
        case .create: .create
        case .adopt: .adopt
        case .updateRole: .updateRole
        case .updateProfile: .updateProfile
        case .markDeparted: .markDeparted
        case .softDelete: .softDelete
        case .hardDelete: .hardDelete
        }
    }

    /// The Podero account the action concerns; nil for a create (it does not exist yet).
    package var poderoID: String? {
        switch change {
        case .create: nil
        case .adopt(let id, _, _), .updateRole(let id, _, _), .updateProfile(let id, _, _, _): id
        case .markDeparted(let account), .softDelete(let account), .hardDelete(let account): account.poderoID
        }
    }

    /// The role before the action, when there is one.
    package var roleBefore: Role? {
        switch change {
        case .create: nil
        case .adopt(_, let current, _): current
        case .updateRole(_, let from, _): from
        case .updateProfile(_, _, let current, _): current
        case .markDeparted(let account), .softDelete(let account), .hardDelete(let account): account.role
        }
    }

    /// The desired role; nil for departures.
    package var roleAfter: Role? {
        switch change {
        case .create(let account, _): account.role
        case .adopt(_, _, let desired): desired
        case .updateRole(_, _, let to): to
        case .updateProfile(_, _, _, let desired): desired
        case .markDeparted, .softDelete, .hardDelete: nil
        }
    }

    /// The fields an update sends.
    package var changes: AccountChanges? {
        switch change {
        case .updateRole(_, _, let to): AccountChanges(role: to)
        case .updateProfile(_, let changes, _, _): changes
        default: nil
        }
    }

    /// True for a create that brings back a person whose old account we soft-deleted.
    package var isRestore: Bool {
        if case .create(_, let isRestore) = change { return isRestore }
        return false
    }
}

/// A change to the journal alone, with no Podero call.
package enum JournalUpdate: Hashable, Sendable {
    /// The person is desired again and the account is live: back to active.
    case reactivate(ExternalID)
    /// The person of a blocked restore left again: the case is closed, back to soft-deleted.
    case closeBlockedRestore(ExternalID)
    /// A blocked restore is still held by this (soft-deleted or foreign) Podero account.
    case restoreBlockedBy(ExternalID, poderoID: String)
    /// The person's entry was read at this (normalised) DN, which the journal did not have.
    case lastSeen(ExternalID, dn: String)
    /// The person's access ends at this time (nil: never), which the journal did not have.
    case expiry(ExternalID, Date?)

    /// True for updates that concern an account created or adopted in the same run, so they
    /// are applied after the actions.
    package var followsActions: Bool {
        switch self {
        case .lastSeen, .expiry: true
        default: false
        }
    }
}
