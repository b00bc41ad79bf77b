import Testing
import TeamSyncCore

@Suite("Group membership resolution")
struct GroupGraphTests {
    private func dn(_ text: String) -> DistinguishedName { DistinguishedName(text)! }

    private var graph: GroupGraph {
        var graph = GroupGraph()
        graph.addGroup(dn("cn=admins"), members: [.dn(dn("uid=a")), .dn(dn("cn=leads"))])
        graph.addGroup(dn("cn=leads"), members: [.dn(dn("uid=b")), .dn(dn("cn=oncall"))])
        graph.addGroup(dn("cn=oncall"), members: [.dn(dn("uid=c")), .dn(dn("uid=a"))])
        graph.addGroup(dn("cn=staff"), members: [.dn(dn("cn=cycle-a")), .dn(dn("uid=ghost"))])
        graph.addGroup(dn("cn=cycle-a"), members: [.dn(dn("cn=cycle-b")), .dn(dn("uid=d"))])
        graph.addGroup(dn("cn=cycle-b"), members: [.dn(dn("cn=cycle-a")), .dn(dn("uid=e"))])
        return graph
    }

    private let people: Set<String> = ["uid=a", "uid=b", "uid=c", "uid=d", "uid=e"]

    @Test("three levels of nesting, shortest path wins, each role group counted once")
    func nested() {
        let result = graph.resolve(
            roleGroups: [dn("cn=admins"), dn("cn=staff")], isPerson: { people.contains($0.normalized) },
            personForUID: { _ in nil }, nested: true)
        #expect(result.memberships[dn("uid=a")] == [GroupMembership(group: dn("cn=admins"))])
        #expect(result.memberships[dn("uid=c")] == [GroupMembership(group: dn("cn=admins"), via: [dn("cn=leads"), dn("cn=oncall")])])
        #expect(result.memberships[dn("uid=c")]?.first?.explanation == "member of cn=admins via cn=leads, cn=oncall")
        #expect(result.memberships[dn("uid=e")] == [GroupMembership(group: dn("cn=staff"), via: [dn("cn=cycle-a"), dn("cn=cycle-b")])])
        #expect(result.missingGroups.isEmpty)
    }

    @Test("a cycle terminates and is reported; a dangling member is reported")
    func cycleAndDangling() {
        let result = graph.resolve(
            roleGroups: [dn("cn=staff")], isPerson: { people.contains($0.normalized) },
            personForUID: { _ in nil }, nested: true)
        #expect(result.diagnostics.contains { $0.code == .groupCycle })
        #expect(result.diagnostics.contains { $0.code == .unresolvedMember && $0.message.contains("uid=ghost") })
        #expect(result.memberships.keys.sorted() == [dn("uid=d"), dn("uid=e")])
    }

    @Test("without nesting only direct members count")
    func flat() {
        let result = graph.resolve(
            roleGroups: [dn("cn=admins")], isPerson: { people.contains($0.normalized) },
            personForUID: { _ in nil }, nested: false)
        #expect(result.memberships.keys.sorted() == [dn("uid=a")])
        #expect(result.diagnostics.contains { $0.code == .nestedGroupIgnored })
    }

    @Test("memberUid values resolve through the uid lookup")
    func memberUid() {
        var graph = GroupGraph()
        graph.addGroup(dn("cn=posix"), members: [.uid("alice"), .uid("nobody")])
        let result = graph.resolve(
            roleGroups: [dn("cn=posix")], isPerson: { _ in false },
            personForUID: { $0 == "alice" ? self.dn("uid=alice") : nil }, nested: true)
        #expect(result.memberships[dn("uid=alice")] == [GroupMembership(group: dn("cn=posix"))])
        #expect(result.diagnostics.map(\.code) == [.unresolvedMember])
    }

    @Test("a configured group the directory lacks is reported as missing")
    func missing() {
        let result = graph.resolve(
            roleGroups: [dn("cn=nope"), dn("cn=admins")], isPerson: { people.contains($0.normalized) },
            personForUID: { _ in nil }, nested: true)
        #expect(result.missingGroups == [dn("cn=nope")])
    }
}
