import Foundation

/// A change to the journal's managed accounts that goes with an action's outcome.
package enum ManagedChange: Sendable, Equatable {
    /// Created, adopted or restored: the account is ours and live.
    case active(externalID: ExternalID, poderoID: String, email: String, role: Role, adopted: Bool)
    /// Updated: new e-mail and role as sent.
    case updated(externalID: ExternalID, email: String?, role: Role?)
    /// The person is gone; the grace starts.
    case departed(externalID: ExternalID, since: Date)
    case softDeleted(externalID: ExternalID, at: Date)
    /// Hard-deleted: no longer ours.
    case removed(externalID: ExternalID)
    /// A restore was refused by Podero.
    case restoreBlocked(externalID: ExternalID, at: Date)
}
