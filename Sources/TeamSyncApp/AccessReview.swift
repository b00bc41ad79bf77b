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
        // Fields are read in place: copying 100,000 rows costs more than counting them.
        var count = 0
        for index in rows.indices where rows[index].role == .admin && rows[index].standing != .softDeleted && rows[index].standing != .restoreBlocked {
            count += 1
        }
        return count
    }
    package var tooManyAdmins: Bool { settings.maxAdmins.map { admins > $0 } ?? false }
    /// True when any flag is raised or the admins exceed `review.max_admins` (`--check` exits 2).
    package var needsAction: Bool { tooManyAdmins || rows.indices.contains { !rows[$0].flags.isEmpty } }

    /// The rows of one standing, in e-mail order.
    package func rows(_ standing: Standing) -> ArraySlice<Row> {
        // The rows are sorted by standing; a field is read in place (no row copied).
        var start = rows.startIndex
        while start < rows.endIndex, rows[start].standing != standing { start += 1 }
        var end = start
        while end < rows.endIndex, rows[end].standing == standing { end += 1 }
        return rows[start..<end]
    }

    /// Accounts per standing, and per flag (one pass, no row copied).
    package var standingCounts: [(Standing, Int)] {
        var counts = [Int](repeating: 0, count: Standing.allCases.count)
        for index in rows.indices { counts[rows[index].standing.order] += 1 }
        return Standing.allCases.map { ($0, counts[$0.order]) }
    }
    package var flagCounts: [(Flag, Int)] {
        var counts: [Flag: Int] = [:]
        for index in rows.indices { for flag in rows[index].flags { counts[flag, default: 0] += 1 } }
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

    /// "rule 1 (cn=podero-admins → admin): member of cn=podero-admins via cn=ops-leads".
    static func why(_ rule: RoleRule, _ membership: GroupMembership, rules: [RoleRule]) -> String {
        let number = (rules.firstIndex(of: rule) ?? 0) + 1
        return "rule \(number) (\(rule.group.leaf) → \(rule.role.rawValue)): \(membership.explanation)"
    }

    static func adoption(_ account: RemoteAccount, _ policy: SyncPolicy) -> String {
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
