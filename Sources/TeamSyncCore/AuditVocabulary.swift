/// The closed sets the journal stores. Each is stored as its raw value; reading a value the
/// journal does not know is an error naming the row (corruption), never a default.

/// The audit log's `action` (CONTRACT.md).
package enum AuditAction: String, Hashable, Sendable, CaseIterable {
    case create, adopt
    case updateRole = "update_role"
    case updateProfile = "update_profile"
    case markDeparted = "mark_departed"
    case softDelete = "soft_delete"
    case hardDelete = "hard_delete"
    case restoreBlocked = "restore_blocked"
    case skip
    case safetyRefused = "safety_refused"
    case runStarted = "run_started"
    case runFinished = "run_finished"
    /// A signed statement of the log's head after a run (an addition to CONTRACT.md's list).
    case checkpoint
    /// Departures the safety limits refused, kept as a held set for approval by name (addition).
    case held
    /// A human approved a held departure by name (`approve`; addition).
    case approved
    /// A human rejected a held departure (`reject`; addition).
    case rejected
}

/// The audit log's `outcome` (CONTRACT.md).
package enum AuditOutcome: String, Hashable, Sendable, CaseIterable {
    case ok, failed, planned, refused
}

/// How a write-ahead intent ended.
package enum IntentOutcome: String, Hashable, Sendable, CaseIterable {
    /// The call took effect and was recorded.
    case ok
    case failed
    /// Podero refused a restore (restore_blocked).
    case refused
    /// Left open by a run that died, and not confirmed in Podero: the next plan decides afresh.
    case abandoned
}

/// How a run ended, as the journal records it.
package enum RunOutcome: String, Hashable, Sendable, CaseIterable {
    case ok
    /// Some actions failed, the rest applied.
    case partial
    /// A safety limit refused the departures.
    case refused
    case failed

    /// The one definition of a good read: the directory was read completely and the run was
    /// not refused. The shrink guard's baseline, `status` and the metrics' last success use it;
    /// a refused run never becomes the baseline of the next one.
    package var countsAsGoodRead: Bool { self == .ok || self == .partial }
}
