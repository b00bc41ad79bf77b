import Foundation

/// One valid person read from the directory.
package struct DirectoryPerson: Hashable, Sendable {
    /// The stable id that links this person to their Podero account.
    package var externalID: ExternalID
    /// Where the person lives in the directory.
    package var dn: DistinguishedName
    /// Their e-mail address (compared case-insensitively).
    package var email: EmailAddress
    /// Given name; nil when the directory has none.
    package var firstName: String?
    /// Family name; nil when the directory has none.
    package var lastName: String?
    /// True when `disabled_filter` matched: the person counts as departed.
    package var isDisabled: Bool
    /// The configured role groups this person belongs to, directly or through nesting.
    package var memberships: [GroupMembership]
    /// When the person's access ends (`directory.users.expires_attribute`); nil for never.
    package var expiresAt: Date?

    /// Creates a person.
    package init(
        externalID: ExternalID, dn: DistinguishedName, email: EmailAddress, firstName: String? = nil,
        lastName: String? = nil, isDisabled: Bool = false, memberships: [GroupMembership] = [],
        expiresAt: Date? = nil
    ) {
        self.externalID = externalID
        self.dn = dn
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
        self.isDisabled = isDisabled
        self.memberships = memberships
        self.expiresAt = expiresAt
    }
}

/// Membership of a person in a configured group, and the chain of nested groups that gives it.
package struct GroupMembership: Hashable, Sendable {
    /// The configured (role) group.
    package var group: DistinguishedName
    /// Nested groups between the configured group and the person, outermost first; empty when
    /// the person is a direct member.
    package var via: [DistinguishedName]
    /// True when the directory resolved the nesting (AD's in-chain rule) and the path is unknown.
    package var resolvedByDirectory: Bool

    /// Creates a membership.
    package init(group: DistinguishedName, via: [DistinguishedName] = [], resolvedByDirectory: Bool = false) {
        self.group = group
        self.via = via
        self.resolvedByDirectory = resolvedByDirectory
    }

    /// "member of cn=podero-admins via cn=ops-leads, cn=ops-oncall".
    package var explanation: String {
        let direct = "member of \(group.leaf)"
        if resolvedByDirectory { return direct + " (directly or through nested groups, resolved by the directory)" }
        return via.isEmpty ? direct : direct + " via " + via.map(\.leaf).joined(separator: ", ")
    }
}
