/// One `roles:` rule: members of `group` (directly or nested) get `role`.
package struct RoleRule: Hashable, Sendable {
    package var group: DistinguishedName
    package var role: Role

    /// Creates a rule.
    package init(group: DistinguishedName, role: Role) {
        self.group = group
        self.role = role
    }
}
