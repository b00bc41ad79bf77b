import CLDAP
import TeamSyncCore

extension DirectoryReader {
    /// Reads every group under `directory.groups` with its members. A large Active Directory
    /// group sends its members in ranges (`member;range=0-1499`); those groups are completed
    /// range by range after the search, and a range that cannot be completed fails the read.
    func readGroups(_ connection: LDAPConnection) throws -> GroupGraph {
        let memberAttribute = settings.groups.memberAttribute
        let names = CStringList([memberAttribute.rawValue])
        var graph = GroupGraph()
        var invalidMembers: [(DistinguishedName, Int)] = []
        var ranged: [(group: DistinguishedName, dn: String, first: RangedValueCollector.Part)] = []

        func add(_ group: DistinguishedName, _ values: [String]) {
            var members: [GroupGraph.Member] = []
            members.reserveCapacity(values.count)
            var invalid = 0
            for value in values {
                switch memberAttribute {
                case .memberUid:
                    members.append(.uid(value.trimmingASCIIWhitespace()))
                case .member, .uniqueMember:
                    let text = memberAttribute == .uniqueMember ? Self.strippingOptionalUID(value) : value
                    if let dn = DistinguishedName(text) { members.append(.dn(dn)) } else { invalid += 1 }
                }
            }
            if invalid > 0 { invalidMembers.append((group, invalid)) }
            graph.addGroup(group, members: members)
        }

        try connection.pagedSearch(request("search groups", settings.groups.baseDN, settings.groups.filter, [memberAttribute.rawValue])) { entry in
            guard let group = entry.distinguishedName() else { return }
            if Self.hasRangedValues(entry.attributeNames(), memberAttribute: memberAttribute.rawValue), let dn = entry.rawDistinguishedName() {
                ranged.append((group, dn, entry.allStrings()))
            } else {
                add(group, entry.strings(names[0]))
            }
        }
        let collector = RangedValueCollector(attribute: memberAttribute.rawValue, purpose: "read group members in ranges")
        for pending in ranged {
            let values = try collector.collect(first: pending.first) { description in
                try connection.readEntry(pending.dn, attributes: [description], purpose: collector.purpose, timeout: settings.timeout)
            }
            add(pending.group, values)
        }
        if !ranged.isEmpty { logger.debug("groups read in ranges", metadata: ["count": "\(ranged.count)"]) }
        for (group, count) in invalidMembers {
            logger.notice("group has member values that are not DNs", metadata: ["group": "\(group.leaf)", "count": "\(count)"])
        }
        return graph
    }

    /// `directory.groups.membership: in_chain`: Active Directory resolves nesting. For each role
    /// group, one paged people search with `memberOf:1.2.840.113556.1.4.1941:=<group>`; the
    /// group itself must exist and match `directory.groups.filter`.
    func readInChainMemberships(_ connection: LDAPConnection, isPerson: (DistinguishedName) -> Bool) throws -> GroupResolution {
        var resolution = GroupResolution()
        var seen = Set<DistinguishedName>()
        for group in settings.roleGroups where seen.insert(group).inserted {
            guard try groupExists(connection, group) else {
                resolution.missingGroups.append(group)
                continue
            }
            let filter = "(&\(Self.parenthesized(settings.users.filter))(memberOf:\(Self.inChainRule):=\(Self.escapedFilterValue(group.normalized))))"
            try connection.pagedSearch(request("search people in chain of a role group", settings.users.baseDN, filter, ["1.1"])) { entry in
                guard let person = entry.distinguishedName(), isPerson(person) else { return }
                resolution.memberships[person, default: []].append(GroupMembership(group: group, resolvedByDirectory: true))
            }
        }
        return resolution
    }

    /// LDAP_MATCHING_RULE_IN_CHAIN (MS-ADTS 3.1.1.3.4.4).
    static let inChainRule = "1.2.840.113556.1.4.1941"

    private func groupExists(_ connection: LDAPConnection, _ group: DistinguishedName) throws -> Bool {
        var found = 0
        let search = LDAPConnection.SearchRequest.entry(
            group.normalized, filter: Self.parenthesized(settings.groups.filter), attributes: ["1.1"],
            purpose: "search groups", timeout: settings.timeout, domainScope: settings.domainScope)
        do {
            try connection.pagedSearch(search) { _ in found += 1 }
        } catch let error as LDAPError where error.code == LDAP_NO_SUCH_OBJECT {
            return false
        }
        return found == 1
    }

    /// True when the server sent `member;range=0-1499` instead of `member` (a large AD group):
    /// reading `member` alone would see an empty or short group.
    static func hasRangedValues(_ attributeNames: [String], memberAttribute: String) -> Bool {
        attributeNames.contains { RangedAttribute($0)?.isPart(of: memberAttribute) == true }
    }

    /// Escapes a value for an LDAP filter (RFC 4515): `*`, `(`, `)`, `\` and NUL.
    static func escapedFilterValue(_ value: String) -> String {
        var result = ""
        result.reserveCapacity(value.utf8.count)
        for character in value.unicodeScalars {
            switch character {
            case "*": result += "\\2a"
            case "(": result += "\\28"
            case ")": result += "\\29"
            case "\\": result += "\\5c"
            case "\0": result += "\\00"
            default: result.unicodeScalars.append(character)
            }
        }
        return result
    }
}
