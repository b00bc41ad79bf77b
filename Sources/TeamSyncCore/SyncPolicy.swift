/// The `sync:` rules the planner and the safety check follow.
package struct SyncPolicy: Sendable, Equatable {
    /// Who may be taken over when they already have an account we do not manage.
    package enum Adoption: String, Sendable, CaseIterable {
        case none
        case byExternalID = "by_external_id"
        case byExternalIDOrEmail = "by_external_id_or_email"
    }

    /// How long someone must be gone before the soft delete.
    package var departureGrace: Duration
    /// Purge soft-deleted accounts after this long; nil never purges.
    package var hardDeleteAfter: Duration?
    /// Most deletions in one run.
    package var maxDeletions: Int
    /// Most deletions in one run, in percent of managed accounts; also the shrink limit.
    package var maxDeletionPercent: Double
    /// Most soft deletes in any 24 hours, this run's included (`sync.max_deletions_per_day`):
    /// a few people a cycle cannot empty a team over a day.
    package var maxDeletionsPerDay: Int = 25
    package var adoptExisting: Adoption
    /// The roles an unmanaged account may have to be adopted (`sync.adopt_roles`); an account
    /// with another role is never taken over, whatever `adopt_existing` says.
    package var adoptRoles: Set<Role>
    /// E-mails that are never created, changed or deleted (compared case-insensitively).
    package var protectedEmails: Set<String>
    /// `sync.allowed_email_domains`, lower-cased; empty allows any domain.
    package var allowedEmailDomains: Set<String> = []


    /// Creates a policy; defaults follow CONTRACT.md.
    package init(
        departureGrace: Duration = .zero, hardDeleteAfter: Duration? = nil, maxDeletions: Int = 10,
        maxDeletionPercent: Double = 20, adoptExisting: Adoption = .byExternalID, adoptRoles: Set<Role> = [.admin, .staff],
        protectedEmails: Set<String> = []
    ) {
        self.departureGrace = departureGrace
        self.hardDeleteAfter = hardDeleteAfter
        self.maxDeletions = maxDeletions
        self.maxDeletionPercent = maxDeletionPercent
        self.adoptExisting = adoptExisting
        self.adoptRoles = adoptRoles
        self.protectedEmails = protectedEmails
    }
}

extension Duration {
    /// Seconds as a `TimeInterval`, for date arithmetic.
    package var timeInterval: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
