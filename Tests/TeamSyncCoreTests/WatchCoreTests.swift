import Foundation
import Testing
import TeamSyncCore

@Suite("Watch core: the group replica and the deletion window")
struct WatchCoreTests {
    private func dn(_ text: String) -> DistinguishedName { DistinguishedName(text)! }
    private var admins: DistinguishedName { dn("cn=admins,ou=groups,dc=x") }
    private var staff: DistinguishedName { dn("cn=staff,ou=groups,dc=x") }
    private var leads: DistinguishedName { dn("cn=leads,ou=groups,dc=x") }
    private var oncall: DistinguishedName { dn("cn=oncall,ou=groups,dc=x") }
    private func person(_ n: Int) -> DistinguishedName { dn("uid=p\(n),ou=people,dc=x") }

    /// admins ⊃ leads ⊃ oncall ∋ p1; staff ∋ p1, p2; leads ∋ p3; oncall ⊃ leads (a cycle).
    private func replica(nested: Bool = true) -> DirectoryReplica {
        var graph = GroupGraph()
        graph.addGroup(admins, members: [.dn(leads)])
        graph.addGroup(leads, members: [.dn(oncall), .dn(person(3))])
        graph.addGroup(oncall, members: [.dn(person(1)), .dn(leads)])
        graph.addGroup(staff, members: [.dn(person(1)), .dn(person(2)), .uid("p9")])
        return DirectoryReplica(graph: graph, roleGroups: [admins, staff], nested: nested)
    }

    @Test("memberships of one person match what a complete read resolves: rule order, shortest chain, cycles end")
    func memberships() {
        let replica = replica()
        #expect(replica.memberships(of: person(1), uid: nil) == [
            GroupMembership(group: admins, via: [leads, oncall]), GroupMembership(group: staff)])
        #expect(replica.memberships(of: person(3), uid: nil) == [GroupMembership(group: admins, via: [leads])])
        #expect(replica.memberships(of: person(9), uid: "p9") == [GroupMembership(group: staff)])
        #expect(replica.memberships(of: person(4), uid: nil).isEmpty)
        #expect(self.replica(nested: false).memberships(of: person(1), uid: nil) == [GroupMembership(group: staff)])
        // The same answer as the full resolver, for everyone.
        var graph = GroupGraph()
        graph.addGroup(admins, members: [.dn(leads)])
        graph.addGroup(leads, members: [.dn(oncall), .dn(person(3))])
        graph.addGroup(oncall, members: [.dn(person(1)), .dn(leads)])
        graph.addGroup(staff, members: [.dn(person(1)), .dn(person(2))])
        let people: Set<DistinguishedName> = [person(1), person(2), person(3)]
        let full = graph.resolve(roleGroups: [admins, staff], isPerson: { people.contains($0) }, personForUID: { _ in nil }, nested: true)
        for person in people {
            #expect(Set((full.memberships[person] ?? []).map(\.group)) == Set(replica.memberships(of: person, uid: nil).map(\.group)))
        }
    }

    @Test("a group change names exactly who can gain or lose a role, nested groups included")
    func groupChange() {
        var replica = replica()
        // p2 leaves staff, p4 joins: only they are touched.
        let changed = replica.replaceGroup(staff, members: [.dn(person(1)), .dn(person(4)), .uid("p9")])
        #expect(changed == [.dn(person(2)), .dn(person(4))])
        #expect(replica.memberships(of: person(4), uid: nil) == [GroupMembership(group: staff)])
        #expect(replica.memberships(of: person(2), uid: nil).isEmpty)
        // leads leaves admins: everyone below leads (through the cycle too) is touched.
        let removed = replica.replaceGroup(admins, members: [])
        #expect(removed == [.dn(leads)])
        #expect(replica.people(reachedFrom: .dn(leads)) == [.dn(person(1)), .dn(person(3))])
        #expect(replica.memberships(of: person(3), uid: nil).isEmpty)
        // A deleted group gives its members.
        #expect(replica.removeGroup(oncall) == [.dn(person(1)), .dn(leads)])
        #expect(!replica.isGroup(oncall))
        #expect(replica.people(reachedFrom: .dn(person(7))) == [.dn(person(7))])
    }

    @Test("the groups that list a DN (re-read after someone left it), kept current by group changes")
    func groupsListing() {
        var replica = replica()
        #expect(Set(replica.groups(listing: person(1))) == [oncall, staff])
        #expect(replica.groups(listing: leads).sorted { $0.normalized < $1.normalized } == [admins, oncall])
        #expect(replica.groups(listing: person(5)).isEmpty)
        // A rename rewritten into staff: the old DN is no longer listed there, the new one is.
        replica.replaceGroup(staff, members: [.dn(person(5)), .dn(person(2)), .uid("p9")])
        #expect(replica.groups(listing: person(1)) == [oncall])
        #expect(replica.groups(listing: person(5)) == [staff])
        replica.removeGroup(oncall)
        #expect(replica.groups(listing: person(1)).isEmpty)
    }

    private func departures(_ count: Int, softDelete: Bool = true) -> Plan {
        Plan(actions: (0..<count).flatMap { n -> [PlanAction] in
            let account = ManagedAccount(externalID: ExternalID("p\(n)"), poderoID: "id-\(n)", email: "p\(n)@example.com", role: .staff, firstSeen: Date())
            var actions = [PlanAction(person: account.externalID, email: account.email, reason: "gone", change: .markDeparted(account))]
            if softDelete { actions.append(PlanAction(person: account.externalID, email: account.email, reason: "gone", change: .softDelete(account))) }
            return actions
        } + [PlanAction(person: ExternalID("new"), email: "new@example.com", reason: "joined", change: .create(
            NewAccount(role: .staff, email: "new@example.com", firstName: nil, lastName: nil, externalID: ExternalID("new")), isRestore: false))])
    }

    @Test("the limits hold over the window: exactly the room left goes, in plan order; the rest waits; other actions go on")
    func window() {
        let window = DeletionWindow(maxDeletions: 10, maxDeletionPercent: 40, maxDeletionsPerDay: 25)
        let usage = { (departed: Int, day: Int) in DeletionWindow.Usage(departedInWindow: departed, softDeletesLastDay: day, managedLiveCount: 100) }
        #expect(window.admit(departures(10), usage(0, 0)).refused.isEmpty)
        // A trickle: 7 already gone in this window, 5 more arrive → 3 go, 2 wait.
        let trickle = window.admit(departures(5), usage(7, 7))
        #expect(trickle.refused == [ExternalID("p3"), ExternalID("p4")])
        #expect(trickle.plan.departingPeople == [ExternalID("p0"), ExternalID("p1"), ExternalID("p2")])
        #expect(trickle.plan.actions.contains { $0.kind == .create })
        #expect(trickle.reason?.contains("3 applied, 2 not applied") == true, "\(trickle.reason ?? "")")
        // A burst of 30 of 100: exactly the limit.
        let burst = window.admit(departures(30), usage(0, 0))
        #expect(burst.plan.departingPeople.count == 10 && burst.refused.count == 20)
        // The percentage is the tighter limit: 40% of 20 = 8.
        let small = window.admit(departures(30), DeletionWindow.Usage(departedInWindow: 0, softDeletesLastDay: 0, managedLiveCount: 20))
        #expect(small.plan.departingPeople.count == 8)
        // Per day, only soft deletes count: marks (with a grace) still go.
        #expect(window.admit(departures(5), usage(0, 24)).plan.departingPeople.count == 1)
        #expect(window.admit(departures(5, softDelete: false), usage(0, 25)).refused.isEmpty)
        // An unreadable entry stops every departure.
        var unidentified = departures(2)
        unidentified.unidentified = [dn("cn=someone,dc=x")]
        #expect(window.admit(unidentified, usage(0, 0)).refused.count == 2)
    }

    @Test("DNs: within a base, and the deepest common ancestor")
    func names() {
        #expect(dn("uid=a,ou=People,dc=x").isWithin(dn("ou=people,dc=x")))
        #expect(!dn("uid=a,ou=people2,dc=x").isWithin(dn("ou=people,dc=x")))
        #expect(!dn("dc=x").isWithin(dn("ou=people,dc=x")))
        #expect(dn("uid=a\\,b,ou=people,dc=x").components.count == 3)
        #expect(dn("ou=people,dc=example,dc=com").commonAncestor(with: dn("ou=groups,dc=example,dc=com")) == "dc=example,dc=com")
        #expect(dn("ou=people,dc=example,dc=com").commonAncestor(with: dn("ou=a,ou=people,dc=example,dc=com")) == "ou=people,dc=example,dc=com")
    }
}

@Suite("Watch core: a group compared value by value")
struct ReplicaValueTests {
    @Test("after a first read, only the values that differ are parsed, with the same answer as a full comparison")
    func values() {
        let group = DistinguishedName("cn=staff,dc=x")!
        var graph = GroupGraph()
        graph.addGroup(group, members: (1...5).map { .dn(DistinguishedName("uid=p\($0),dc=x")!) })
        var replica = DirectoryReplica(graph: graph, roleGroups: [group], nested: true)
        var parsed = 0
        let parse = { (value: String) -> GroupGraph.Member? in
            parsed += 1
            return DistinguishedName(value).map { .dn($0) }
        }
        let first = (1...5).map { "UID=p\($0),DC=x" }
        #expect(replica.replaceGroup(group, values: first, parse: parse).isEmpty)  // no baseline yet: every value parsed
        #expect(parsed == 5)
        parsed = 0
        let second = first.filter { $0 != "UID=p2,DC=x" } + ["UID=p9,DC=x"]
        #expect(replica.replaceGroup(group, values: second, parse: parse) == [.dn(DistinguishedName("uid=p2,dc=x")!), .dn(DistinguishedName("uid=p9,dc=x")!)])
        #expect(parsed == 2)
        #expect(replica.memberships(of: DistinguishedName("uid=p9,dc=x")!, uid: nil).count == 1)
        #expect(replica.memberships(of: DistinguishedName("uid=p2,dc=x")!, uid: nil).isEmpty)
        parsed = 0
        #expect(replica.replaceGroup(group, values: second.reversed(), parse: parse).isEmpty)
        #expect(parsed == 0)
    }

    @Test("one value checked (a rename rewritten later by the server): the replica follows, and the next read of the group agrees without changing anyone twice")
    func oneValue() {
        let dn = { (text: String) in DistinguishedName(text)! }
        let group = dn("cn=staff,dc=x")
        var replica = DirectoryReplica(graph: GroupGraph(), roleGroups: [group], nested: true)
        let parse = { (value: String) -> GroupGraph.Member? in DistinguishedName(value).map { .dn($0) } }
        let first = (1...4).map { "UID=p\($0),DC=x" }
        replica.replaceGroup(group, values: first, parse: parse)
        // p2 was renamed to p2r: the old value is gone, the new one there.
        let answer1 = replica.setListed(dn("uid=p2,dc=x"), in: group, false)
        #expect(answer1)
        let answer2 = replica.setListed(dn("uid=p2r,dc=x"), in: group, true)
        #expect(answer2)
        let answer3 = replica.setListed(dn("uid=p2r,dc=x"), in: group, true)
        #expect(!answer3)
        let answer4 = replica.setListed(dn("uid=p7,dc=x"), in: dn("cn=other,dc=x"), true)
        #expect(!answer4)
        #expect(replica.memberships(of: dn("uid=p2r,dc=x"), uid: nil).count == 1)
        #expect(replica.memberships(of: dn("uid=p2,dc=x"), uid: nil).isEmpty)
        // The server's text of the new value differs from the one kept: nobody changes.
        let rewritten = ["UID=p1,DC=x", "UID=p3,DC=x", "UID=p4,DC=x", "uid=P2R, dc=x"]
        let answer5 = replica.replaceGroup(group, values: rewritten, parse: parse)
        #expect(answer5.isEmpty)
        #expect(replica.groups(listing: dn("uid=p2r,dc=x")) == [group])
        // A value re-added after a check removed it is seen at the next read.
        let answer6 = replica.setListed(dn("uid=p3,dc=x"), in: group, false)
        #expect(answer6)
        let answer7 = replica.replaceGroup(group, values: rewritten, parse: parse)
        #expect(answer7 == [.dn(dn("uid=p3,dc=x"))])
        #expect(replica.memberships(of: dn("uid=p3,dc=x"), uid: nil).count == 1)
        // A value a check removed, then the server's answer without it: nobody changes twice.
        let answer8 = replica.setListed(dn("uid=p4,dc=x"), in: group, false)
        #expect(answer8)
        let answer9 = replica.replaceGroup(group, values: ["UID=p1,DC=x", "UID=p3,DC=x", "uid=P2R, dc=x"], parse: parse)
        #expect(answer9.isEmpty)
        #expect(replica.memberships(of: dn("uid=p4,dc=x"), uid: nil).isEmpty)
    }
}
