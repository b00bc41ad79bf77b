/// The groups read from the directory and their raw members, resolved into memberships of the
/// configured (role) groups, following nested groups when asked, safe against cycles.
package struct GroupGraph: Sendable {
    /// A member value of a group: a DN (`member`, `uniqueMember`) or a uid (`memberUid`).
    package enum Member: Hashable, Sendable {
        case dn(DistinguishedName)
        case uid(String)
    }

    fileprivate var members: [DistinguishedName: [Member]] = [:]

    /// An empty graph.
    package init() {}

    /// Records a group and its members. A group read twice keeps all its members.
    package mutating func addGroup(_ group: DistinguishedName, members newMembers: [Member]) {
        members[group, default: []].append(contentsOf: newMembers)
    }

    /// True when the group was read.
    package func contains(_ group: DistinguishedName) -> Bool { members[group] != nil }

    /// Number of groups read.
    package var count: Int { members.count }

    /// Resolves, for every person, the configured groups they belong to (shortest nesting path).
    /// - Parameters:
    ///   - roleGroups: the configured groups, in rule order.
    ///   - isPerson: whether a DN is an entry the users search matched (valid or not).
    ///   - personForUID: the DN of the person with that uid (for `memberUid` groups).
    ///   - nested: whether groups inside groups count.
    ///   - expectedPeople: how many people there may be (capacity to reserve).
    package func resolve(
        roleGroups: [DistinguishedName],
        isPerson: (DistinguishedName) -> Bool,
        personForUID: (String) -> DistinguishedName?,
        nested: Bool,
        expectedPeople: Int = 0
    ) -> GroupResolution {
        var resolution = GroupResolution()
        resolution.memberships.reserveCapacity(expectedPeople)
        var reported = Set<[String]>()
        for roleGroup in uniqued(roleGroups) {
            guard contains(roleGroup) else {
                resolution.missingGroups.append(roleGroup)
                continue
            }
            var visited: Set<DistinguishedName> = [roleGroup]
            var queue: [(group: DistinguishedName, via: [DistinguishedName])] = [(roleGroup, [])]
            var head = 0
            while head < queue.count {
                let (group, via) = queue[head]
                head += 1
                for member in members[group] ?? [] {
                    let person: DistinguishedName?
                    switch member {
                    case .dn(let dn):
                        if isPerson(dn) {
                            person = dn
                        } else if contains(dn) {
                            person = nil
                            if nested {
                                if visited.insert(dn).inserted { queue.append((dn, via + [dn])) }
                            } else if reported.insert(["nested", group.normalized, dn.normalized]).inserted {
                                resolution.diagnostics.append(
                                    Diagnostic(
                                        .nestedGroupIgnored, severity: .notice, entry: group.normalized,
                                        message: "contains group \(dn.leaf), ignored because directory.groups.nested is false"))
                            }
                        } else {
                            person = nil
                            if reported.insert(["member", group.normalized, dn.normalized]).inserted {
                                resolution.diagnostics.append(
                                    Diagnostic(
                                        .unresolvedMember, severity: .notice, entry: group.normalized,
                                        message: "member \(dn.normalized) is neither a person of directory.users nor a group of directory.groups"))
                            }
                        }
                    case .uid(let uid):
                        person = personForUID(uid)
                        if person == nil, reported.insert(["uid", group.normalized, uid]).inserted {
                            resolution.diagnostics.append(
                                Diagnostic(
                                    .unresolvedMember, severity: .notice, entry: group.normalized,
                                    message: "memberUid \(uid) matches no person of directory.users"))
                        }
                    }
                    // One look-up: a person reached again through another path keeps the first
                    // (shortest) one, which is the last membership recorded for this group.
                    if let person {
                        let membership = GroupMembership(group: roleGroup, via: via)
                        resolution.memberships[person, default: []].appendUnlessLastIn(group: roleGroup, membership)
                    }
                }
            }
        }
        if nested { resolution.diagnostics += cycleDiagnostics(from: uniqued(roleGroups)) }
        return resolution
    }

    /// One diagnostic per group that closes a cycle reachable from the configured groups.
    private func cycleDiagnostics(from roots: [DistinguishedName]) -> [Diagnostic] {
        enum Mark { case inProgress, done }
        var marks: [DistinguishedName: Mark] = [:]
        var diagnostics: [Diagnostic] = []
        for root in roots where contains(root) && marks[root] == nil {
            // Iterative depth-first search: (group, index of the next member to look at).
            var stack: [(DistinguishedName, Int)] = [(root, 0)]
            marks[root] = .inProgress
            while let (group, next) = stack.last {
                let groupMembers = members[group] ?? []
                guard next < groupMembers.count else {
                    marks[group] = .done
                    stack.removeLast()
                    continue
                }
                stack[stack.count - 1].1 = next + 1
                guard case .dn(let child) = groupMembers[next], contains(child) else { continue }
                switch marks[child] {
                case nil:
                    marks[child] = .inProgress
                    stack.append((child, 0))
                case .inProgress:
                    diagnostics.append(
                        Diagnostic(
                            .groupCycle, severity: .notice, entry: child.normalized,
                            message: "nested groups form a cycle through \(group.leaf); each member is counted once"))
                case .done:
                    break
                }
            }
        }
        return diagnostics
    }

    private func uniqued(_ groups: [DistinguishedName]) -> [DistinguishedName] {
        var seen = Set<DistinguishedName>()
        return groups.filter { seen.insert($0).inserted }
    }
}

/// What `GroupGraph.resolve` found.
package struct GroupResolution: Sendable {
    /// For each person DN, their memberships of configured groups, in rule order.
    package var memberships: [DistinguishedName: [GroupMembership]] = [:]
    /// Dangling members, ignored nested groups, cycles.
    package var diagnostics: [Diagnostic] = []
    /// Configured groups the directory does not have.
    package var missingGroups: [DistinguishedName] = []

    /// An empty resolution.
    package init() {}
}

extension [GroupMembership] {
    /// Appends `membership` unless the last membership is already of `group`.
    fileprivate mutating func appendUnlessLastIn(group: DistinguishedName, _ membership: GroupMembership) {
        if last?.group != group { append(membership) }
    }
}

extension GroupGraph {
    /// Every group read, with its raw members.
    package var groups: [DistinguishedName: [Member]] { members }
}
