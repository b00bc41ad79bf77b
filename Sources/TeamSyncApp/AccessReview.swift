import Foundation
import TeamSyncCore

/// `review`: one row per Podero admin/staff account with its standing (why it exists) and the
/// flags an auditor asks about. Built from a directory snapshot, Podero's list (with soft-deleted
/// accounts) and the journal; pure, and it writes nothing.
package struct AccessReview: Sendable {
    /// Why an account exists, one per account (the JSON's `standing`).
    package enum Standing: String, Sendable, CaseIterable {
        case managed
        case adopted
        case unmanaged
        case adoptionCandidate = "adoption_candidate"
        case protected
        case departing
        case expiring
        case restoreBlocked = "restore_blocked"
        case softDeleted = "soft_deleted"

        /// The heading of its table on the HTML page and in the text report.
        package var title: String {
            switch self {
            case .managed: "Managed, matched by a rule"
            case .adopted: "Adopted, matched by a rule"
            case .unmanaged: "Unmanaged, no directory person"
            case .adoptionCandidate: "Unmanaged, matching a directory person (adoption candidate)"
            case .protected: "Protected (sync.protected_emails)"
            case .departing: "Departing (the person is gone; waiting out the grace or the next sync)"
            case .expiring: "Expiring (access ends within review.expiry_notice)"
            case .restoreBlocked: "Restore blocked (needs a human)"
            case .softDeleted: "Soft-deleted"
            }
        }
    }

    /// What an auditor is warned about (the JSON's `flags`).
    package enum Flag: String, Sendable, CaseIterable {
        case inactive
        case invitationPending = "invitation_pending"
        case outsideAllowedDomains = "outside_allowed_domains"
    }

    /// One account.
    package struct Row: Sendable {
        package var poderoID: String
        package var email: String
        package var name: String?
        package var role: Role
        package var externalID: String?
        package var standing: Standing
        /// The rule and group path that give the role, or why the account stands as it does; nil when nothing gives it.
        package var why: String?
        package var lastLogin: Date?
        package var joinedAt: Date?
        package var isOnboarded: Bool?
        package var expiresAt: Date?
        /// When a departing account is soft-deleted, when the journal knows.
        package var deleteAfter: Date?
        package var flags: [Flag]
    }

    package var rows: [Row]
    /// Accounts with a role the daemon never manages (`user`, `guest`, others): counted, never listed.
    package var endUsers: Int
    package var generatedAt: Date
    package var settings: ReviewSettings
    package var includesDeleted: Bool
    /// Live admins (not soft-deleted), against `review.max_admins`.
    package var admins: Int {
        rows.reduce(0) { $0 + ($1.role == .admin && $1.standing != .softDeleted && $1.standing != .restoreBlocked ? 1 : 0) }
    }
    package var tooManyAdmins: Bool { settings.maxAdmins.map { admins > $0 } ?? false }
    /// True when any flag is raised or the admins exceed `review.max_admins` (`--check` exits 2).
    package var needsAction: Bool { tooManyAdmins || rows.contains { !$0.flags.isEmpty } }

    /// The rows of one standing, in e-mail order.
    package func rows(_ standing: Standing) -> [Row] { rows.filter { $0.standing == standing } }

    /// Accounts per standing, and per flag (one pass, no row copied).
    package var standingCounts: [(Standing, Int)] {
        var counts: [Standing: Int] = [:]
        for row in rows { counts[row.standing, default: 0] += 1 }
        return Standing.allCases.map { ($0, counts[$0] ?? 0) }
    }
    package var flagCounts: [(Flag, Int)] {
        var counts: [Flag: Int] = [:]
        for row in rows { for flag in row.flags { counts[flag, default: 0] += 1 } }
        return Flag.allCases.map { ($0, counts[$0] ?? 0) }
    }
}

extension AccessReview {
    /// Everything the review is made from.
    package struct Inputs: Sendable {
        package var snapshot: DirectorySnapshot
        /// Podero's list, with soft-deleted accounts marked.
        package var remote: [RemoteAccount]
        package var managed: [ManagedAccount]
        package var rules: [RoleRule]
        package var policy: SyncPolicy
        package var settings: ReviewSettings
        package var now: Date

        package init(snapshot: DirectorySnapshot, remote: [RemoteAccount], managed: [ManagedAccount], rules: [RoleRule],
                     policy: SyncPolicy, settings: ReviewSettings, now: Date) {
            self.snapshot = snapshot
            self.remote = remote
            self.managed = managed
            self.rules = rules
            self.policy = policy
            self.settings = settings
            self.now = now
        }
    }

    /// Builds the review. Soft-deleted accounts are listed only when `includeDeleted`, except
    /// the ones behind a blocked restore (those need a human, so they always are).
    package init(_ inputs: Inputs, includeDeleted: Bool) {
        let now = inputs.now
        let mapper = RoleMapper(rules: inputs.rules, allowedEmailDomains: inputs.policy.allowedEmailDomains, now: now)
        var peopleByID: [ExternalID: Int] = [:]
        var peopleByEmail: [String: Int] = [:]
        peopleByID.reserveCapacity(inputs.snapshot.people.count)
        for (index, person) in inputs.snapshot.people.enumerated() {
            if peopleByID[person.externalID] == nil { peopleByID[person.externalID] = index }
            if peopleByEmail[person.email.key] == nil { peopleByEmail[person.email.key] = index }
        }
        var managedByPoderoID: [String: ManagedAccount] = [:]
        var blockers: [String: ManagedAccount] = [:]
        for account in inputs.managed {
            managedByPoderoID[account.poderoID] = account
            if case .restoreBlocked(_, let blockedBy?) = account.state { blockers[blockedBy] = account }
        }
        let protected = Set(inputs.policy.protectedEmails.map { $0.caseFoldedKey() })
        let inactiveBefore = now.addingTimeInterval(-inputs.settings.inactiveAfter.timeInterval)
        let staleBefore = now.addingTimeInterval(-inputs.settings.invitationStaleAfter.timeInterval)
        let noticeUntil = now.addingTimeInterval(inputs.settings.expiryNotice.timeInterval)
        let grace = inputs.policy.departureGrace
        var rows: [Row] = []
        rows.reserveCapacity(inputs.remote.count)
        var endUsers = 0
        var whyCache: [GroupMembership: String] = [:]
        var sortKeys: [(Int, String, String)] = []
        sortKeys.reserveCapacity(inputs.remote.count)
        for account in inputs.remote {
            guard let role = account.role.teamRole else {
                if !account.isSoftDeleted { endUsers += 1 }
                continue
            }
            // A live account that blocks a restore is not ours: only a soft-deleted one is the case's.
            let journal = managedByPoderoID[account.id] ?? (account.isSoftDeleted ? blockers[account.id] : nil)
            let emailKey = account.email.caseFoldedKey()
            let person = account.externalID.flatMap { peopleByID[$0] }
                ?? journal.flatMap { peopleByID[$0.externalID] }
                ?? peopleByEmail[emailKey]
            let directory = person.map { inputs.snapshot.people[$0] }
            let decision = directory.map(mapper.decide)
            var row = Row(
                poderoID: account.id, email: account.email,
                name: [account.firstName, account.lastName].compactMap { $0 }.joined(separator: " ").nilIfEmpty,
                role: role, externalID: account.externalID?.rawValue ?? journal?.externalID.rawValue, standing: .unmanaged, why: nil,
                lastLogin: account.activity.lastLoginDate, joinedAt: account.activity.joinedAtDate,
                isOnboarded: account.activity.isOnboarded, expiresAt: directory?.expiresAt ?? journal?.expiresAt, deleteAfter: nil, flags: [])
            // People of one group path share one text.
            let matched = decision?.matched.map { match in
                if let known = whyCache[match.membership] { return known }
                let text = Self.why(match.rule, match.membership, rules: inputs.rules)
                whyCache[match.membership] = text
                return text
            }
            if account.isSoftDeleted {
                if let journal, case .restoreBlocked(let since, _) = journal.state {
                    row.standing = .restoreBlocked
                    row.why = "the person is back in the directory since \(AuditTime.format(since)), but this soft-deleted account holds the e-mail or external id"
                } else {
                    guard includeDeleted else { continue }
                    row.standing = .softDeleted
                    row.why = journal.map { if case .softDeleted(let at) = $0.state { "soft-deleted by podero-team-sync at \(AuditTime.format(at))" } else { nil } } ?? nil
                }
            } else if protected.contains(emailKey) {
                row.standing = .protected
                row.why = "sync.protected_emails: never created, changed or deleted"
            } else if let journal {
                switch journal.state {
                case .departed(let since):
                    row.standing = .departing
                    row.deleteAfter = since.addingTimeInterval(grace.timeInterval)
                    row.why = (decision?.undesiredReason ?? "no longer matched by directory.users") + "; gone since \(AuditTime.format(since))"
                default:
                    if let decision, decision.undesiredReason == nil, let matched {
                        row.why = matched
                        if let expires = row.expiresAt, expires <= noticeUntil {
                            row.standing = .expiring
                        } else {
                            row.standing = journal.adopted ? .adopted : .managed
                        }
                    } else {
                        row.standing = .departing
                        row.why = (decision?.undesiredReason ?? "no longer matched by directory.users (base DN and filter)") + "; the next sync starts its departure"
                    }
                }
            } else if let decision, decision.undesiredReason == nil, let matched {
                row.standing = .adoptionCandidate
                row.why = matched + "; " + Self.adoption(account, inputs.policy)
            } else {
                row.standing = .unmanaged
                row.why = directory == nil ? nil : decision?.undesiredReason.map { "a directory person matches, but \($0)" }
            }
            if !account.isSoftDeleted {
                if let last = row.lastLogin, last < inactiveBefore { row.flags.append(.inactive) }
                if row.lastLogin == nil, account.activity.lastLogin == nil {
                    let joined = row.joinedAt ?? journal?.firstSeen
                    if joined.map({ $0 < staleBefore }) ?? true { row.flags.append(.invitationPending) }
                }
                if !inputs.policy.allowedEmailDomains.isEmpty, let email = EmailAddress(account.email),
                   !inputs.policy.allowedEmailDomains.contains(email.domainKey)
                {
                    row.flags.append(.outsideAllowedDomains)
                }
            }
            rows.append(row)
            sortKeys.append((row.standing.order, emailKey, account.id))
        }
        // Sorted by standing, then e-mail: keys computed once, indices moved instead of rows.
        let keys = sortKeys
        let order = rows.indices.sorted { keys[$0] < keys[$1] }
        rows = order.map { rows[$0] }
        self.init(rows: rows, endUsers: endUsers, generatedAt: now, settings: inputs.settings, includesDeleted: includeDeleted)
    }

    /// "rule 1 (cn=podero-admins → admin): member of cn=podero-admins via cn=ops-leads".
    static func why(_ rule: RoleRule, _ membership: GroupMembership, rules: [RoleRule]) -> String {
        let number = (rules.firstIndex(of: rule) ?? 0) + 1
        return "rule \(number) (\(rule.group.leaf) → \(rule.role.rawValue)): \(membership.explanation)"
    }

    private static func adoption(_ account: RemoteAccount, _ policy: SyncPolicy) -> String {
        switch policy.adoptExisting {
        case .none: "sync.adopt_existing is none, so it is left alone"
        case .byExternalID where account.externalID == nil: "it has no external id; by_external_id_or_email would adopt it"
        default: "the next sync adopts it (sync.adopt_existing: \(policy.adoptExisting.rawValue))"
        }
    }
}

extension AccessReview.Standing {
    /// Order of the tables: what needs a human first.
    var order: Int {
        switch self {
        case .restoreBlocked: 0
        case .departing: 1
        case .expiring: 2
        case .adoptionCandidate: 3
        case .unmanaged: 4
        case .protected: 5
        case .managed: 6
        case .adopted: 7
        case .softDeleted: 8
        }
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
