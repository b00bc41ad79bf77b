import Foundation
import Testing
import TeamSyncCore
@testable import TeamSyncApp

@Suite("Planning in pieces gives the one-piece plan")
struct PlanSplitterTests {
    static let admins = DistinguishedName("cn=podero-admins,ou=groups,dc=example,dc=com")!
    static let staff = DistinguishedName("cn=podero-staff,ou=groups,dc=example,dc=com")!

    @Test("30,000 people with every kind of case: split in 2 and 3, the plan equals the sequential one", arguments: [2, 3])
    func splitEqualsWhole(pieces: Int) async throws {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        var people: [DirectoryPerson] = []
        var remote: [RemoteAccount] = []
        var managed: [ManagedAccount] = []
        for n in 0..<30_000 {
            let name = "p\(n)"
            let group = n % 1_000 == 11 ? Self.admins : Self.staff
            let email = n % 1_000 == 13 ? "renamed\(n)@example.com" : "\(name)@example.com"
            people.append(DirectoryPerson(externalID: ExternalID(name), dn: DistinguishedName("uid=\(name),ou=people,dc=example,dc=com")!,
                email: EmailAddress(email)!, firstName: "P", lastName: "\(n)", isDisabled: n % 1_000 == 17,
                memberships: n % 1_000 == 19 ? [] : [GroupMembership(group: group, via: [])]))
            if n % 1_000 == 7 { continue }  // newcomers
            let deleted = n % 1_000 == 23
            remote.append(RemoteAccount(id: "id-\(name)", role: n % 1_000 == 29 ? .user : .staff, email: "\(name)@example.com",
                externalID: ExternalID(name), firstName: "P", lastName: "\(n)", isSoftDeleted: deleted))
            if n % 1_000 == 29 { continue }  // an end-user in the way
            let state: ManagedAccount.State = deleted ? .restoreBlocked(since: start, blockedBy: nil) : n % 1_000 == 31 ? .departed(since: start) : .active
            managed.append(ManagedAccount(externalID: ExternalID(name), poderoID: "id-\(name)", email: "\(name)@example.com", role: .staff,
                state: state, firstSeen: start))
        }
        for n in 0..<7 {  // gone from the directory
            remote.append(RemoteAccount(id: "id-gone\(n)", role: .staff, email: "gone\(n)@example.com", externalID: ExternalID("gone\(n)")))
            managed.append(ManagedAccount(externalID: ExternalID("gone\(n)"), poderoID: "id-gone\(n)", email: "gone\(n)@example.com", role: .staff, firstSeen: start))
        }
        let skipped = [SkippedEntry(dn: DistinguishedName("uid=x,ou=people,dc=example,dc=com")!, externalID: ExternalID("gone0"), email: nil,
            diagnostic: Diagnostic(.missingEmail, entry: "uid=x,ou=people,dc=example,dc=com", message: "has no mail; skipped"))]
        let directory = DirectorySnapshot(people: people, skipped: skipped)
        let planner = Planner(policy: SyncPolicy(maxDeletions: 1_000), rules: [RoleRule(group: Self.admins, role: .admin), RoleRule(group: Self.staff, role: .staff)])
        let prepared = planner.prepare(remote: remote, includesDeleted: true, managed: managed, now: start)

        let whole = planner.plan(directory: directory, prepared: prepared)
        let split = await PlanSplitter.plan(planner, directory: directory, prepared: prepared, pieces: pieces)

        #expect(split.actions == whole.actions)
        #expect(split.skipped == whole.skipped)
        #expect(split.journalUpdates == whole.journalUpdates)
        #expect(split.diagnostics == whole.diagnostics)
        // The world has every case, so equality means something.
        let kinds = Set(whole.actions.map(\.kind))
        #expect(kinds == [.create, .updateRole, .updateProfile, .markDeparted, .softDelete])
        #expect(whole.skipped.count == 31)  // 30 end-users in the way + the invalid entry
        #expect(!whole.journalUpdates.isEmpty)
    }
}
