import Foundation

/// A person who should have a Podero team account, and why.
package struct DesiredAccount: Hashable, Sendable {
    package var externalID: ExternalID
    /// The directory entry.
    package var dn: DistinguishedName
    package var email: EmailAddress
    package var firstName: String?
    package var lastName: String?
    package var role: Role
    /// The membership that gave the role.
    package var membership: GroupMembership
    /// When the person's access ends; nil for never.
    package var expiresAt: Date?

    /// Creates a desired account.
    package init(
        externalID: ExternalID, dn: DistinguishedName, email: EmailAddress, firstName: String?, lastName: String?, role: Role, membership: GroupMembership
    ) {
        self.externalID = externalID
        self.dn = dn
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
        self.role = role
        self.membership = membership
        self.expiresAt = nil
    }

    /// "member of cn=podero-admins via cn=ops-leads". Built only when an action needs it: a
    /// large organisation in sync plans no action and so renders no reason.
    package var reason: String { membership.explanation }
}
