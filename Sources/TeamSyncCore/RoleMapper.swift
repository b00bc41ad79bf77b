/// Ordered role rules applied to a directory snapshot: the first rule whose group contains the
/// person (directly or through nesting) gives the role. Disabled people and people in no mapped
/// group are not desired.
package struct RoleMapper: Sendable {
    package var rules: [RoleRule]

    /// Creates a mapper.
    package init(rules: [RoleRule]) {
        self.rules = rules
    }

    /// What the mapping produced.
    package struct Result: Sendable {
        /// Desired accounts, in directory order.
        package var desired: [DesiredAccount] = []
        /// Their external ids.
        package var desiredIDs: Set<ExternalID> = []
        /// Why each valid but undesired person is not desired.
        package var undesiredReasons: [ExternalID: String] = [:]
    }

    /// Maps every valid person of the snapshot.
    package func map(_ snapshot: DirectorySnapshot) -> Result { map(snapshot.people[...]) }

    /// Maps these people.
    package func map(_ people: ArraySlice<DirectoryPerson>) -> Result {
        var result = Result()
        result.desired.reserveCapacity(people.count)
        result.desiredIDs.reserveCapacity(people.count)
        for person in people {
            if person.isDisabled {
                result.undesiredReasons[person.externalID] = "disabled in the directory (directory.users.disabled_filter)"
                continue
            }
            guard let (rule, membership) = firstMatch(person) else {
                result.undesiredReasons[person.externalID] = "in no group of the roles rules"
                continue
            }
            // Snapshots hold each external id once (duplicates are skipped when read).
            guard result.desiredIDs.insert(person.externalID).inserted else { continue }
            result.desired.append(DesiredAccount(
                externalID: person.externalID, dn: person.dn, email: person.email, firstName: person.firstName,
                lastName: person.lastName, role: rule.role, membership: membership))
        }
        return result
    }

    private func firstMatch(_ person: DirectoryPerson) -> (RoleRule, GroupMembership)? {
        guard !person.memberships.isEmpty else { return nil }
        for rule in rules {
            if let membership = person.memberships.first(where: { $0.group == rule.group }) { return (rule, membership) }
        }
        return nil
    }
}
