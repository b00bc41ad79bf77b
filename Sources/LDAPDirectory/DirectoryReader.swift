import Logging
import TeamSyncCore

/// One complete, blocking read of the directory: bind, people, disabled people, groups. Runs on
/// the queue of `LDAPDirectory`, never on Swift's cooperative pool.
struct DirectoryReader {
    var settings: LDAPSettings
    var logger: Logger

    func read() throws -> DirectorySnapshot {
        let connection = try LDAPConnection.bound(settings: settings)
        defer { connection.close() }

        let readsUID = settings.groups.memberAttribute == .memberUid
        var users = settings.users
        if let name = users.expiresAttribute, users.expiresFormat.resolved(for: name) == .auto {
            users.expiresFormat = SchemaSyntax.expiryFormat(of: name, connection, settings: settings, logger: logger)
        }
        let decoder = PersonDecoder(users, readsUID: readsUID)
        var visibility = AttributeVisibility(users: settings.users, readsUID: readsUID)
        var candidates: [PersonCandidate] = []
        var invalidDNs = 0
        let attributes = decoder.requestedAttributes + visibility.filterAttributes
        try connection.pagedSearch(request("search people", settings.users.baseDN, settings.users.filter, attributes)) { entry in
            visibility.observe(entry)
            if let candidate = decoder.decode(entry) { candidates.append(candidate) } else { invalidDNs += 1 }
        }
        if invalidDNs > 0 {
            throw LDAPError(.incomplete, operation: "search people", reason: "\(invalidDNs) entries had a DN that does not parse")
        }
        let disabled = try readDisabled(connection)

        var personDNs = Set<DistinguishedName>(minimumCapacity: candidates.count)
        var dnForUID: [String: DistinguishedName] = [:]
        for candidate in candidates {
            personDNs.insert(candidate.dn)
            if let uid = candidate.uid { dnForUID[uid.lowercased()] = candidate.dn }
        }
        let resolution: GroupResolution
        let groupCount: Int
        var groups: GroupGraph?
        switch settings.groups.membership {
        case .expand:
            let graph = try readGroups(connection)
            groups = graph
            groupCount = graph.count
            resolution = graph.resolve(
                roleGroups: settings.roleGroups, isPerson: { personDNs.contains($0) },
                personForUID: { dnForUID[$0.lowercased()] }, nested: settings.groups.nested,
                expectedPeople: candidates.count)
        case .inChain:
            groupCount = settings.roleGroups.count
            resolution = try readInChainMemberships(connection, isPerson: { personDNs.contains($0) })
        }
        if let missing = resolution.missingGroups.first,
            let index = settings.roleGroups.firstIndex(of: missing)
        {
            throw LDAPError(.missingRoleGroup, operation: "search groups",
                reason: "the group of roles[\(index)] was not found under directory.groups.base_dn with directory.groups.filter; refusing to treat its members as departed")
        }
        var snapshot = SnapshotAssembler(
            candidates: candidates, disabled: disabled, memberships: resolution.memberships,
            groupDiagnostics: visibility.diagnostics + resolution.diagnostics
        ).assemble()
        snapshot.groups = groups
        logger.debug("directory read", metadata: [
            "matched": "\(snapshot.matchedCount)", "valid": "\(snapshot.people.count)",
            "skipped": "\(snapshot.skipped.count)", "disabled": "\(disabled.count)", "groups": "\(groupCount)",
        ])
        return snapshot
    }

    private func readDisabled(_ connection: LDAPConnection) throws -> Set<DistinguishedName> {
        guard let disabledFilter = settings.users.disabledFilter else { return [] }
        let filter = "(&\(Self.parenthesized(settings.users.filter))\(Self.parenthesized(disabledFilter)))"
        var disabled = Set<DistinguishedName>()
        try connection.pagedSearch(request("search disabled people", settings.users.baseDN, filter, ["1.1"])) { entry in
            if let dn = entry.distinguishedName() { disabled.insert(dn) }
        }
        return disabled
    }

    func request(_ purpose: String, _ base: String, _ filter: String, _ attributes: [String]) -> LDAPConnection.SearchRequest {
        LDAPConnection.SearchRequest(
            purpose: purpose, baseDN: base, filter: Self.parenthesized(filter), attributes: attributes,
            pageSize: settings.pageSize, timeout: settings.timeout, domainScope: settings.domainScope)
    }

    /// `objectClass=person` → `(objectClass=person)`; filters already in parentheses are kept.
    static func parenthesized(_ filter: String) -> String {
        let trimmed = filter.trimmingASCIIWhitespace()
        return trimmed.hasPrefix("(") ? trimmed : "(\(trimmed))"
    }

    /// `uniqueMember` is "nameAndOptionalUID" (RFC 4517): `dn#'0101'B`; the UID part is dropped.
    static func strippingOptionalUID(_ value: String) -> String {
        guard value.hasSuffix("'B"), let hash = value.lastIndex(of: "#"), hash > value.startIndex,
            value[value.index(before: hash)] != "\\"
        else { return value }
        return String(value[..<hash])
    }
}
