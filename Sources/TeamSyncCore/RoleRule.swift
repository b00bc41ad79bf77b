/// One `roles:` rule: members of `group` (directly or nested) get `role`.
package struct RoleRule: Hashable, Sendable {
    package var group: DistinguishedName
    package var role: Role
    /// `roles[].allow_external_email`: people this rule matches may have an e-mail outside
    /// `sync.allowed_email_domains` (a consultants group).
    package var allowsExternalEmail: Bool

    /// Creates a rule.
    package init(group: DistinguishedName, role: Role, allowsExternalEmail: Bool = false) {
        self.group = group
        self.role = role
        self.allowsExternalEmail = allowsExternalEmail
    }
}
