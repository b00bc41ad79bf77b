import Testing
import TeamSyncCore
@testable import LDAPDirectory

@Suite("Group memberships from slapd")
struct GroupMembershipTests {
    private func memberships(_ snapshot: DirectorySnapshot, _ uid: String) -> [GroupMembership] {
        snapshot.people.first { $0.dn == SlapdFixture.person(uid) }?.memberships ?? []
    }

    @Test("nested groups three levels deep, a cycle, and dangling members")
    func nested() async throws {
        let snapshot = try await SlapdFixture.read(SlapdFixture.settings())
        let admins = SlapdFixture.group("podero-admins")
        let staff = SlapdFixture.group("podero-staff")
        #expect(memberships(snapshot, "user00001") == [GroupMembership(group: admins)])
        #expect(memberships(snapshot, "user00003") == [
            GroupMembership(group: admins, via: [SlapdFixture.group("ops-leads"), SlapdFixture.group("ops-oncall")])
        ])
        #expect(memberships(snapshot, "user00010") == [GroupMembership(group: staff, via: [SlapdFixture.group("dept-00")])])
        #expect(memberships(snapshot, "user00005") == [
            GroupMembership(group: staff, via: [SlapdFixture.group("cycle-a"), SlapdFixture.group("cycle-b")])
        ])
        #expect(memberships(snapshot, "user00011").isEmpty)
        #expect(snapshot.diagnostics.contains { $0.code == .groupCycle })
        #expect(snapshot.diagnostics.contains { $0.code == .unresolvedMember && $0.message.contains("uid=ghost") })
    }

    @Test("without nesting only direct members count")
    func flat() async throws {
        let snapshot = try await SlapdFixture.read(SlapdFixture.settings { $0.groups.nested = false })
        #expect(memberships(snapshot, "user00001").count == 1)
        #expect(memberships(snapshot, "user00003").isEmpty)
        #expect(memberships(snapshot, "user00010").isEmpty)
    }

    @Test("memberUid groups resolve uids case-insensitively")
    func memberUid() async throws {
        let settings = try SlapdFixture.settings(roleGroups: ["podero-posix"]) {
            $0.groups.filter = "(objectClass=posixGroup)"
            $0.groups.memberAttribute = .memberUid
        }
        let snapshot = try await SlapdFixture.read(settings)
        let members = snapshot.people.filter { !$0.memberships.isEmpty }.map(\.dn)
        #expect(Set(members) == [SlapdFixture.person("user00006"), SlapdFixture.person("user00007")])
        #expect(snapshot.diagnostics.contains { $0.code == .unresolvedMember && $0.message.contains("ghost") })
    }

    @Test("uniqueMember groups, with and without an optional UID")
    func uniqueMember() async throws {
        let settings = try SlapdFixture.settings(roleGroups: ["podero-unique"]) {
            $0.groups.filter = "(objectClass=groupOfUniqueNames)"
            $0.groups.memberAttribute = .uniqueMember
        }
        let snapshot = try await SlapdFixture.read(settings)
        let members = snapshot.people.filter { !$0.memberships.isEmpty }.map(\.dn)
        #expect(Set(members) == [SlapdFixture.person("user00008"), SlapdFixture.person("user00009")])
    }
}
