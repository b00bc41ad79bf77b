/// A person who should have a Podero team account, and why.
package struct DesiredAccount: Hashable, Sendable {
    package var externalID: ExternalID
    package var email: EmailAddress
    package var firstName: String?
    package var lastName: String?
    package var role: Role
    /// "member of cn=podero-admins via cn=ops-leads".
    package var reason: String

    /// Creates a desired account.
    package init(externalID: ExternalID, email: EmailAddress, firstName: String?, lastName: String?, role: Role, reason: String) {
        self.externalID = externalID
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
        self.role = role
        self.reason = reason
    }
}
