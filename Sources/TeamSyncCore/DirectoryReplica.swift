/// The groups of the last complete read, kept current from a directory watch. It answers the
/// two questions an incremental sync asks without reading the whole directory: whose desired
/// role may have changed when a group changed, and which role groups one person is in. Pure.
package struct DirectoryReplica: Sendable {
    private var members: [DistinguishedName: [GroupGraph.Member]]
    /// member → the groups that list it.
    private var parents: [GroupGraph.Member: [DistinguishedName]] = [:]
    /// The member values as the server sent them, for groups read since the last complete
    /// read: a group that changed is then compared value by value, and only the values that
    /// differ are parsed (a group of 100,000 members costs hashing, not 100,000 DN parses).
    private var rawValues: [DistinguishedName: [String]] = [:]
    /// The server's version of each group read since the last complete read (its `entryCSN`):
    /// the changes after it can be read from the server's change log (`WatchReader`).
    private var versions: [DistinguishedName: String] = [:]
    private let roleGroups: [DistinguishedName]
    private let roleSet: Set<DistinguishedName>
    private let nested: Bool

    /// The replica of a complete read's groups.
    package init(graph: GroupGraph, roleGroups: [DistinguishedName], nested: Bool) {
        members = graph.groups
        var seen = Set<DistinguishedName>()
        self.roleGroups = roleGroups.filter { seen.insert($0).inserted }
        roleSet = seen
        self.nested = nested
        for (group, list) in members {
            for member in Set(list) { parents[member, default: []].append(group) }
        }
    }

    /// Number of groups held.
    package var groupCount: Int { members.count }

    /// True when `dn` is a group of `directory.groups`.
    package func isGroup(_ dn: DistinguishedName) -> Bool { members[dn] != nil }

    /// The version of `group` the replica holds, when known.
    package func version(of group: DistinguishedName) -> String? { versions[group] }

    /// Records the version of `group` the replica now holds (nil: unknown).
    package mutating func setVersion(_ version: String?, of group: DistinguishedName) {
        versions[group] = members[group] == nil ? nil : version
    }

    /// The groups whose member values name `dn`.
    package func groups(listing dn: DistinguishedName) -> [DistinguishedName] { parents[.dn(dn)] ?? [] }

    /// Replaces the members of `group` (adding the group if it is new); returns the members
    /// that were added or removed.
    @discardableResult
    package mutating func replaceGroup(_ group: DistinguishedName, members newList: [GroupGraph.Member]) -> Set<GroupGraph.Member> {
        let old = Set(members[group] ?? [])
        let new = Set(newList)
        members[group] = newList
        let changed = old.symmetricDifference(new)
        for member in changed {
            if new.contains(member) {
                parents[member, default: []].append(group)
            } else {
                parents[member]?.removeAll { $0 == group }
                if parents[member]?.isEmpty == true { parents[member] = nil }
            }
        }
        return changed
    }

    /// Replaces the members of `group` from the values the server sent; `parse` turns a value
    /// into a member. Returns the members that were added or removed.
    @discardableResult
    package mutating func replaceGroup(_ group: DistinguishedName, values: [String], parse: (String) -> GroupGraph.Member?) -> Set<GroupGraph.Member> {
        guard let old = rawValues.removeValue(forKey: group), members[group] != nil else {
            rawValues[group] = values
            return replaceGroup(group, members: values.compactMap(parse))
        }
        rawValues[group] = values
        // Servers keep the order of the values: what changed is between a common prefix and a
        // common suffix, and only that middle is hashed.
        var prefix = 0
        while prefix < old.count, prefix < values.count, old[prefix] == values[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < old.count - prefix, suffix < values.count - prefix, old[old.count - 1 - suffix] == values[values.count - 1 - suffix] { suffix += 1 }
        let oldMiddle = Set(old[prefix..<(old.count - suffix)])
        let newMiddle = Set(values[prefix..<(values.count - suffix)])
        let added = newMiddle.subtracting(oldMiddle)
        let removed = oldMiddle.subtracting(newMiddle)
        guard !added.isEmpty || !removed.isEmpty else { return [] }
        // Values of one attribute are distinct under its matching rule (RFC 4511 4.1.7), so one
        // member has one value: the values that differ are the members that differ.
        let addedMembers = added.compactMap(parse)
        let removedMembers = removed.compactMap(parse)
        // A member `setListed` already added or removed is not changed twice.
        let gone = Set(removedMembers).subtracting(addedMembers).filter { parents[$0]?.contains(group) == true }
        let joined = Set(addedMembers).subtracting(removedMembers).filter { parents[$0]?.contains(group) != true }
        if !gone.isEmpty { members[group]?.removeAll { gone.contains($0) } }
        members[group]?.append(contentsOf: joined)
        for member in gone {
            parents[member]?.removeAll { $0 == group }
            if parents[member]?.isEmpty == true { parents[member] = nil }
        }
        for member in joined { parents[member, default: []].append(group) }
        return gone.union(joined)
    }

    /// Records what a check of one value found: whether `group` lists `member`. Returns true
    /// when the replica changed. The values kept for comparison follow: a removed value is
    /// dropped from them (or, when the server's text of it is not found, the next read of the
    /// group is compared in full), an added one appended as its normalized text.
    @discardableResult
    package mutating func setListed(_ member: DistinguishedName, in group: DistinguishedName, _ listed: Bool) -> Bool {
        guard members[group] != nil else { return false }
        let key = GroupGraph.Member.dn(member)
        guard (parents[key]?.contains(group) == true) != listed else { return false }
        if listed {
            members[group]?.append(key)
            parents[key, default: []].append(group)
            rawValues[group]?.append(member.normalized)
        } else {
            members[group]?.removeAll { $0 == key }
            parents[key]?.removeAll { $0 == group }
            if parents[key]?.isEmpty == true { parents[key] = nil }
            // The server's text is found by an ASCII case-insensitive comparison (no value is
            // parsed: a group of 100,000 costs 100,000 short comparisons).
            let text = Array(member.normalized.utf8)
            if let index = rawValues[group]?.firstIndex(where: { Self.equalIgnoringASCIICase($0, text) }) {
                rawValues[group]?.remove(at: index)
            } else {
                rawValues[group] = nil
            }
        }
        return true
    }

    private static func equalIgnoringASCIICase(_ value: String, _ lowercased: [UInt8]) -> Bool {
        guard value.utf8.count == lowercased.count else { return false }
        var index = 0
        for byte in value.utf8 {
            if (byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte) != lowercased[index] { return false }
            index += 1
        }
        return true
    }

    /// Forgets `group`; returns the members it had.
    @discardableResult
    package mutating func removeGroup(_ group: DistinguishedName) -> Set<GroupGraph.Member> {
        rawValues[group] = nil
        versions[group] = nil
        guard let old = members.removeValue(forKey: group) else { return [] }
        let list = Set(old)
        for member in list {
            parents[member]?.removeAll { $0 == group }
            if parents[member]?.isEmpty == true { parents[member] = nil }
        }
        return list
    }

    /// The members that are not groups, reached from `member` through nested groups (when
    /// `nested`); `member` itself when it is not a group. Bounded by the replica: each group
    /// is visited once, so cycles end.
    package func people(reachedFrom member: GroupGraph.Member) -> Set<GroupGraph.Member> {
        guard case .dn(let start) = member, members[start] != nil else { return [member] }
        var result = Set<GroupGraph.Member>()
        var visited: Set<DistinguishedName> = [start]
        var queue = [start]
        var head = 0
        while head < queue.count {
            let group = queue[head]
            head += 1
            for child in members[group] ?? [] {
                if case .dn(let dn) = child, members[dn] != nil {
                    if nested, visited.insert(dn).inserted { queue.append(dn) }
                } else {
                    result.insert(child)
                }
            }
        }
        return result
    }

    /// The role groups `person` (with `uid`, for `memberUid` groups) belongs to, in rule order,
    /// each with its shortest chain of nested groups: what a complete read would resolve.
    package func memberships(of person: DistinguishedName, uid: String?) -> [GroupMembership] {
        var chains: [DistinguishedName: [DistinguishedName]] = [:]
        var visited = Set<DistinguishedName>()
        var queue: [(group: DistinguishedName, chain: [DistinguishedName])] = []
        var direct = parents[.dn(person)] ?? []
        if let uid { direct += parents[.uid(uid)] ?? [] }
        for group in direct { queue.append((group, [])) }
        var head = 0
        while head < queue.count {
            let (group, chain) = queue[head]
            head += 1
            guard visited.insert(group).inserted else { continue }
            if roleSet.contains(group), chains[group] == nil { chains[group] = chain }
            guard nested else { continue }
            for parent in parents[.dn(group)] ?? [] where !visited.contains(parent) {
                queue.append((parent, [group] + chain))
            }
        }
        return roleGroups.compactMap { group in chains[group].map { GroupMembership(group: group, via: $0) } }
    }
}
