import Foundation

/// Ordered role rules applied to a directory snapshot: the first rule whose group contains the
/// person (directly or through nesting) gives the role. Disabled people, people whose access has
/// expired and people in no mapped group are not desired; people whose e-mail is outside
/// `sync.allowed_email_domains` (and whose rule does not allow that) are set apart.
package struct RoleMapper: Sendable {
    package var rules: [RoleRule]
    /// `sync.allowed_email_domains` (lower-cased); empty allows any.
    package var allowedEmailDomains: Set<String>
    /// The time expiries are compared with; nil ignores expiry (no time given).
    package var now: Date?

    /// Creates a mapper.
    package init(rules: [RoleRule], allowedEmailDomains: Set<String> = [], now: Date? = nil) {
        self.rules = rules
        self.allowedEmailDomains = allowedEmailDomains
        self.now = now
    }

    /// What the mapping produced.
    package struct Result: Sendable {
        /// Desired accounts, in directory order.
        package var desired: [DesiredAccount] = []
        /// Their external ids.
        package var desiredIDs: Set<ExternalID> = []
        /// Why each valid but undesired person is not desired.
        package var undesiredReasons: [ExternalID: String] = [:]
        /// People a rule matched whose e-mail domain is not allowed: never created; an account we
        /// already manage for one of them departs (the planner decides which).
        package var outsideAllowedDomains: [DesiredAccount] = []
    }

    /// What `explain` needs to tell: the rule that matched, and why each earlier one did not.
    package struct Decision: Sendable {
        /// The rule that gave the role, and the membership through which it matched.
        package var matched: (rule: RoleRule, membership: GroupMembership)?
        /// Why each rule before the matching one (or every rule) did not match, in rule order.
        package var notMatched: [(rule: RoleRule, why: String)]
        /// Why the person is not desired at all, or nil when they are.
        package var undesiredReason: String?
        /// True when the matched rule gives the role but the e-mail domain is not allowed.
        package var outsideAllowedDomains: Bool
    }

    /// Maps every valid person of the snapshot.
    package func map(_ snapshot: DirectorySnapshot) -> Result { map(snapshot.people[...]) }

    /// Maps these people.
    package func map(_ people: ArraySlice<DirectoryPerson>) -> Result {
        var result = Result()
        result.desired.reserveCapacity(people.count)
        result.desiredIDs.reserveCapacity(people.count)
        for person in people {
            if let reason = Self.unavailable(person, now: now) {
                result.undesiredReasons[person.externalID] = reason
                continue
            }
            guard let (rule, membership) = firstMatch(person) else {
                result.undesiredReasons[person.externalID] = "in no group of the roles rules"
                continue
            }
            var desired = DesiredAccount(
                externalID: person.externalID, dn: person.dn, email: person.email, firstName: person.firstName,
                lastName: person.lastName, role: rule.role, membership: membership)
            desired.expiresAt = person.expiresAt
            if !allows(person.email, rule) {
                result.undesiredReasons[person.externalID] = Self.domainReason(person.email)
                result.outsideAllowedDomains.append(desired)
                continue
            }
            // Snapshots hold each external id once (duplicates are skipped when read).
            guard result.desiredIDs.insert(person.externalID).inserted else { continue }
            result.desired.append(desired)
        }
        return result
    }

    /// The whole decision for one person, for `explain`.
    package func decide(_ person: DirectoryPerson) -> Decision {
        var decision = verdict(person)
        // The rules before the matching one (every rule when none matches) did not match.
        decision.notMatched = rules.prefix { $0 != decision.matched?.rule }.map { rule in
            (rule, "not a member of \(rule.group.leaf), directly or through nested groups")
        }
        return decision
    }

    /// The decision without the texts of the rules that did not match (`notMatched` is empty),
    /// for `review`, which asks it for every account.
    package func verdict(_ person: DirectoryPerson) -> Decision {
        let matched = firstMatch(person)
        var undesired = Self.unavailable(person, now: now)
        var outside = false
        if undesired == nil {
            if let (rule, _) = matched {
                if !allows(person.email, rule) {
                    outside = true
                    undesired = Self.domainReason(person.email)
                }
            } else {
                undesired = "in no group of the roles rules"
            }
        }
        return Decision(matched: matched, notMatched: [], undesiredReason: undesired, outsideAllowedDomains: outside)
    }

    /// Why a person cannot be desired whatever their groups: disabled, or access expired.
    private static func unavailable(_ person: DirectoryPerson, now: Date?) -> String? {
        if person.isDisabled { return "disabled in the directory (directory.users.disabled_filter)" }
        if let now, let expires = person.expiresAt, expires <= now {
            return "access expired on \(ExpiryText.date(expires)) (directory.users.expires_attribute)"
        }
        return nil
    }

    private func allows(_ email: EmailAddress, _ rule: RoleRule) -> Bool {
        rule.allowsExternalEmail || allowedEmailDomains.isEmpty || allowedEmailDomains.contains(email.domainKey)
    }

    private static func domainReason(_ email: EmailAddress) -> String {
        "e-mail domain \(email.domainKey) is outside sync.allowed_email_domains"
    }

    private func firstMatch(_ person: DirectoryPerson) -> (RoleRule, GroupMembership)? {
        guard !person.memberships.isEmpty else { return nil }
        for rule in rules {
            if let membership = person.memberships.first(where: { $0.group == rule.group }) { return (rule, membership) }
        }
        return nil
    }
}

/// Dates of expiry in words, the same everywhere (plan, review, explain, audit reasons).
package enum ExpiryText {
    /// `2026-12-31` (UTC).
    package static func date(_ date: Date) -> String {
        String(RFC3339.format(date).prefix(10))
    }

    /// "expires in 3 days (2026-12-05)", "expires today (…)" or "expired on 2026-11-30".
    package static func relative(_ date: Date, now: Date) -> String {
        if date <= now { return "expired on \(self.date(date))" }
        let days = Int((date.timeIntervalSince(now) / 86_400).rounded(.down))
        switch days {
        case 0: return "expires today (\(self.date(date)))"
        case 1: return "expires in 1 day (\(self.date(date)))"
        default: return "expires in \(days) days (\(self.date(date)))"
        }
    }

    /// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (Howard Hinnant's algorithm).
    static func civil(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
