import Foundation
import Testing
import TeamSyncCore

@Suite("Planner: what a sync would do, and why")
struct PlannerTests {
    typealias S = Scenario

    @Test("first run: everyone desired is created with the role of the first matching rule")
    func firstRun() {
        var world = Scenario()
        world.people = [
            S.person("alice", in: [S.staff, S.admins]),  // rule order decides: admin
            S.person("bob", in: [S.staff], via: [S.leads]),
            S.person("carol", in: []),
        ]
        world.remote = [S.account("boss", role: .admin, externalID: .some(nil)), S.account("customer", role: .user)]
        let plan = world.plan()
        #expect(plan.summary == ["create alice", "create bob"])
        #expect(plan.actions[0].roleAfter == .admin)
        #expect(plan.actions[0].change == .create(NewAccount(role: .admin, email: "alice@example.com", firstName: "Alice", lastName: "Example", externalID: ExternalID("alice")), isRestore: false))
        #expect(plan.actions[1].reason == "member of cn=podero-staff via cn=ops-leads")
    }

    @Test("second run after a sync: nothing to do")
    func idempotent() {
        var world = Scenario()
        world.people = [S.person("alice", in: [S.admins]), S.person("bob", in: [S.staff])]
        world.remote = [S.account("alice", role: .admin), S.account("bob", role: .staff)]
        world.managed = [S.managed("alice", role: .admin), S.managed("bob", role: .staff)]
        #expect(world.plan().actions.isEmpty)
        #expect(!world.plan().hasDrift)
    }

    @Test("role changes both ways")
    func roleChanges() {
        var world = Scenario()
        world.people = [S.person("alice", in: [S.staff]), S.person("bob", in: [S.admins])]
        world.remote = [S.account("alice", role: .admin), S.account("bob", role: .staff)]
        world.managed = [S.managed("alice", role: .admin), S.managed("bob", role: .staff)]
        let plan = world.plan()
        #expect(plan.summary == ["update_role alice", "update_role bob"])
        #expect(plan.actions[0].roleBefore == .admin && plan.actions[0].roleAfter == .staff)
        #expect(plan.actions[0].changes == AccountChanges(role: .staff))
        #expect(plan.actions[1].roleBefore == .staff && plan.actions[1].roleAfter == .admin)
    }

    @Test("an e-mail change updates the same account, sending only what changed")
    func emailChange() {
        var world = Scenario()
        world.people = [S.person("alice", in: [S.admins], email: "alice.new@example.com")]
        world.remote = [S.account("alice", role: .admin)]
        world.managed = [S.managed("alice", role: .admin)]
        let plan = world.plan()
        #expect(plan.summary == ["update_profile alice"])
        #expect(plan.actions[0].changes == AccountChanges(email: "alice.new@example.com"))
        #expect(plan.actions[0].poderoID == "id-alice")
    }

    @Test("a change of case in the e-mail is not a change")
    func emailCase() {
        var world = Scenario()
        world.people = [S.person("alice", in: [S.admins], email: "Alice@Example.com")]
        world.remote = [S.account("alice", role: .admin)]
        world.managed = [S.managed("alice", role: .admin)]
        #expect(world.plan().actions.isEmpty)
    }

    @Test("departure: deleted from the directory, out of every mapped group, or disabled", arguments: [
        ("gone", "no longer matched by directory.users"), ("groupless", "in no group of the roles rules"),
        ("disabled", "disabled in the directory"),
    ])
    func departure(how: String, reason: String) {
        var world = Scenario()
        world.people = [S.person("alice", in: [S.admins])]
        if how == "groupless" { world.people.append(S.person("bob", in: [])) }
        if how == "disabled" { world.people.append(S.person("bob", in: [S.staff], disabled: true)) }
        world.remote = [S.account("alice", role: .admin), S.account("bob", role: .staff)]
        world.managed = [S.managed("alice", role: .admin), S.managed("bob", role: .staff)]
        let plan = world.plan()
        #expect(plan.summary == ["mark_departed bob", "soft_delete bob"])
        #expect(plan.actions.allSatisfy { $0.reason.hasPrefix(reason) })
        #expect(plan.actions[1].poderoID == "id-bob")
    }

    @Test("departure grace: marked at once, soft-deleted only after the grace")
    func grace() {
        var world = Scenario()
        world.policy.departureGrace = .seconds(7 * 86_400)
        world.remote = [S.account("bob", role: .staff)]
        world.managed = [S.managed("bob", role: .staff)]
        world.people = [S.person("alice", in: [])]
        #expect(world.plan().summary == ["mark_departed bob"])
        world.managed = [S.managed("bob", role: .staff, state: .departed(since: S.start))]
        #expect(world.plan(at: S.start.addingTimeInterval(3 * 86_400)).actions.isEmpty)
        #expect(world.plan(at: S.start.addingTimeInterval(7 * 86_400)).summary == ["soft_delete bob"])
    }

    @Test("coming back within the grace cancels the departure without a Podero call")
    func returnWithinGrace() {
        var world = Scenario()
        world.people = [S.person("bob", in: [S.staff])]
        world.remote = [S.account("bob", role: .staff)]
        world.managed = [S.managed("bob", role: .staff, state: .departed(since: S.start))]
        let plan = world.plan()
        #expect(plan.actions.isEmpty)
        #expect(plan.journalUpdates == [.reactivate(ExternalID("bob"))])
    }

    @Test("hard delete only when configured, after hard_delete_after")
    func hardDelete() {
        var world = Scenario()
        world.people = [S.person("alice", in: [S.admins])]
        world.remote = [S.account("alice", role: .admin)]
        world.managed = [S.managed("alice", role: .admin), S.managed("bob", role: .staff, state: .softDeleted(at: S.start))]
        #expect(world.plan(at: S.start.addingTimeInterval(400 * 86_400)).actions.isEmpty)
        world.policy.hardDeleteAfter = .seconds(30 * 86_400)
        world.includesDeleted = true  // a sync lists the soft-deleted accounts when a purge may be due
        #expect(world.plan(at: S.start.addingTimeInterval(29 * 86_400)).actions.isEmpty)
        #expect(world.plan(at: S.start.addingTimeInterval(30 * 86_400)).summary == ["hard_delete bob"])
        world.includesDeleted = false  // without that list, never
        #expect(world.plan(at: S.start.addingTimeInterval(30 * 86_400)).actions.isEmpty)
    }

    @Test("issue 15 #9: a hard delete only of an account still soft-deleted and still ours; else it is held for a human")
    func hardDeleteChecksTheAccount() {
        var world = Scenario()
        world.policy.hardDeleteAfter = .seconds(86_400)
        world.includesDeleted = true
        world.managed = [S.managed("bob", role: .staff, state: .softDeleted(at: S.start))]
        let later = S.start.addingTimeInterval(2 * 86_400)
        var bob = S.account("bob", role: .staff)
        bob.isSoftDeleted = true
        world.remote = [bob]
        #expect(world.plan(at: later).summary == ["hard_delete bob"])
        // Restored by hand: live again.
        world.remote = [S.account("bob", role: .staff)]
        var plan = world.plan(at: later)
        #expect(plan.actions.isEmpty)
        #expect(plan.held.map(\.detail) == ["soft-deleted more than sync.hard_delete_after (1d) ago, but its Podero account id-bob is live again (restored by hand); nothing is deleted"])
        // The soft-deleted account now carries another id, or a protected e-mail.
        var foreign = S.account("bob", role: .admin, externalID: .some("kevin"))
        foreign.isSoftDeleted = true
        world.remote = [foreign]
        plan = world.plan(at: later)
        #expect(plan.actions.isEmpty && plan.held.count == 1)
        bob.email = "boss@example.com"
        world.remote = [bob]
        world.policy.protectedEmails = ["boss@example.com"]
        #expect(world.plan(at: later).actions.isEmpty)
    }

    @Test("issue 15 #9: a journal row pointing at a protected admin's account never deletes it, and the case needs a human")
    func journalRowAlone() {
        var world = Scenario()
        world.policy.protectedEmails = ["boss@example.com"]
        world.managed = [ManagedAccount(externalID: ExternalID("forged"), poderoID: "id-boss", email: "someone@example.com", role: .staff, firstSeen: S.start)]
        world.remote = [S.account("boss", role: .admin, externalID: .some("forged"), email: "boss@example.com")]
        let plan = world.plan()
        #expect(plan.actions.isEmpty, "\(plan.summary)")
        #expect(plan.held.count == 1)
        #expect(plan.held[0].detail.contains("has a protected e-mail"))
        #expect(plan.held[0].key == "departure_held:id:forged")
    }

    @Test("issue 15 #26: a managed person whose entry is skipped (its id hidden by an ACL) keeps the account; an id-less entry at an unknown DN refuses every departure")
    func skippedEntryKeepsItsAccount() {
        var world = Scenario()
        world.people = [S.person("alice", in: [S.staff])]
        world.remote = [S.account("alice", role: .staff), S.account("bob", role: .admin), S.account("carol", role: .staff)]
        world.managed = [S.managed("alice", role: .staff), S.managed("bob", role: .admin), S.managed("carol", role: .staff)]
        let bobDN = DistinguishedName("uid=bob,ou=people,dc=example,dc=com")!
        world.skipped = [SkippedEntry(dn: bobDN, externalID: nil, email: EmailAddress("bob@example.com"),
            diagnostic: Diagnostic(.missingExternalID, entry: bobDN.normalized, message: "has no entryUUID"))]
        var plan = world.plan()
        // Bob is held; Carol really left and departs; nothing is refused.
        #expect(plan.summary == ["mark_departed carol", "soft_delete carol", "skip -"], "\(plan.summary)")
        #expect(plan.held.map(\.account.externalID) == [ExternalID("bob")])
        #expect(plan.held[0].detail.contains("its entry uid=bob,ou=people,dc=example,dc=com was skipped (missing_external_id"))
        #expect(plan.unidentified.isEmpty)
        // The id-less entry is at a DN no account was last seen at (renamed, say): it could be anyone.
        let movedDN = DistinguishedName("uid=robert,ou=people,dc=example,dc=com")!
        world.skipped = [SkippedEntry(dn: movedDN, externalID: nil, email: nil,
            diagnostic: Diagnostic(.missingExternalID, entry: movedDN.normalized, message: "has no entryUUID"))]
        plan = world.plan()
        #expect(plan.unidentified == [movedDN])
        let refusals = SafetyCheck(maxDeletions: 10, maxDeletionPercent: 100, override: 50).refusals(for: plan, .init(matchedCount: 2, lastGoodMatchedCount: 3, managedLiveCount: 3))
        #expect(refusals.count == 1 && refusals[0].contains("no readable external id (such as uid=robert,ou=people,dc=example,dc=com)"), "\(refusals)")
        // The journal learns each managed person's DN as it is read.
        world.managed = [ManagedAccount(externalID: ExternalID("alice"), poderoID: "id-alice", email: "alice@example.com", role: .staff, firstSeen: S.start)]
        world.skipped = []
        world.remote = [S.account("alice", role: .staff)]
        #expect(world.plan().journalUpdates == [.lastSeen(ExternalID("alice"), dn: "uid=alice,ou=people,dc=example,dc=com")])
    }

    @Test("a person back after a soft delete: a restore attempt; a blocked one waits while its blocker is listed")
    func returnAfterSoftDelete() {
        var world = Scenario()
        world.people = [S.person("bob", in: [S.staff])]
        world.managed = [S.managed("bob", role: .staff, state: .softDeleted(at: S.start))]
        let plan = world.plan()
        #expect(plan.summary == ["create bob"])
        #expect(plan.actions[0].isRestore)
        // Blocked: the old account is still there, soft-deleted. No POST, and its id is recorded.
        world.managed = [S.managed("bob", role: .staff, state: .restoreBlocked(since: S.start, blockedBy: nil))]
        var old = S.account("bob", role: .staff)
        old.isSoftDeleted = true
        world.remote = [old]
        world.includesDeleted = true
        #expect(world.plan(at: S.start.addingTimeInterval(3 * 86_400)).actions.isEmpty)
        #expect(world.plan().journalUpdates == [.restoreBlockedBy(ExternalID("bob"), poderoID: "id-bob")])
        world.managed = [S.managed("bob", role: .staff, state: .restoreBlocked(since: S.start, blockedBy: "id-bob"))]
        #expect(world.plan().journalUpdates.isEmpty)  // already recorded: no write each run
        // Without the soft-deleted accounts in view nobody can tell: wait.
        world.includesDeleted = false
        world.remote = []
        #expect(world.plan().actions.isEmpty)
        // The blocker was purged: the very next run creates the account.
        world.includesDeleted = true
        #expect(world.plan(at: S.start.addingTimeInterval(60)).summary == ["create bob"])
        #expect(world.plan().actions[0].isRestore)
        // A live account of someone else holding the e-mail blocks it as well.
        world.remote = [S.account("robert", role: .staff, email: "bob@example.com")]
        #expect(world.plan().actions.isEmpty)
        #expect(world.plan().journalUpdates == [.restoreBlockedBy(ExternalID("bob"), poderoID: "id-robert")])
        world.remote = []
        world.people = []
        world.people = [S.person("alice", in: [S.admins])]
        #expect(world.plan().journalUpdates.filter { !$0.followsActions } == [.closeBlockedRestore(ExternalID("bob"))])
    }

    @Test("a blocked restore resolved by hand: the live account with the external id is linked")
    func blockedRestoreResolved() {
        var world = Scenario()
        world.people = [S.person("bob", in: [S.staff])]
        world.remote = [RemoteAccount(id: "id-bob-2", role: .staff, email: "bob@example.com", externalID: ExternalID("bob"), firstName: "Bob", lastName: "Example")]
        world.managed = [S.managed("bob", role: .staff, state: .restoreBlocked(since: S.start, blockedBy: "id-bob"))]
        let plan = world.plan()
        #expect(plan.summary == ["adopt bob"])
        #expect(plan.actions[0].poderoID == "id-bob-2")
    }

    @Test("adoption by external id, then brought in line with the directory")
    func adoptByExternalID() {
        var world = Scenario()
        world.people = [S.person("alice", in: [S.admins])]
        world.remote = [S.account("alice", role: .staff)]
        let plan = world.plan()
        #expect(plan.summary == ["adopt alice", "update_role alice"])
        world.policy.adoptExisting = .none
        #expect(world.plan().summary == ["skip alice"])
        #expect(world.plan().skipped[0].detail.contains("adopt_existing is none"))
        #expect(world.plan().skipped[0].reason == .accountConflict)
        #expect(world.plan().skipped[0].poderoID == "id-alice")
    }

    @Test("adoption by e-mail only with by_external_id_or_email, and it sets the external id")
    func adoptByEmail() {
        var world = Scenario()
        world.people = [S.person("alice", in: [S.admins])]
        world.remote = [S.account("alice", role: .admin, externalID: .some(nil))]
        #expect(world.plan().summary == ["skip alice"])
        world.policy.adoptExisting = .byExternalIDOrEmail
        let plan = world.plan()
        #expect(plan.summary == ["adopt alice", "update_profile alice"])
        #expect(plan.actions[1].changes == AccountChanges(externalID: ExternalID("alice")))
        world.remote = [S.account("alice", role: .admin, externalID: .some("someone-else"))]
        #expect(world.plan().summary == ["skip alice"])
    }

    @Test("issue 15 #6: sync.adopt_roles [staff] never takes over an admin, by external id, by e-mail or by relinking")
    func adoptRoles() {
        var world = Scenario()
        world.policy.adoptExisting = .byExternalIDOrEmail
        world.policy.adoptRoles = [.staff]
        // A forged id pointing at an unmanaged admin: skipped, the admin untouched.
        world.people = [S.person("mallory", in: [S.staff])]
        world.remote = [S.account("kevin", role: .admin, externalID: .some("mallory"))]
        var plan = world.plan()
        #expect(plan.summary == ["skip mallory"])
        #expect(plan.skipped[0].detail.contains("an unmanaged admin account is in the way and sync.adopt_roles does not include admin"))
        #expect(plan.skipped[0].poderoID == "id-kevin")
        // The same by e-mail.
        world.remote = [S.account("mallory", role: .admin, externalID: .some(nil))]
        #expect(world.plan().summary == ["skip mallory"])
        // A staff account is still adopted.
        world.remote = [S.account("mallory", role: .staff)]
        #expect(world.plan().summary == ["adopt mallory"])
        // Relinking a managed person to an unmanaged admin account with their id.
        world.managed = [S.managed("mallory", role: .staff)]
        world.remote = [RemoteAccount(id: "id-other", role: .admin, email: "mallory@example.com", externalID: ExternalID("mallory"), firstName: "M", lastName: "E")]
        plan = world.plan()
        #expect(plan.actions.allSatisfy { $0.kind != .adopt }, "\(plan.summary)")
        #expect(plan.skipped.map(\.poderoID) == ["id-other"])
        // The default adopts both roles.
        world.policy.adoptRoles = SyncPolicy().adoptRoles
        #expect(world.plan().summary.first == "adopt mallory")
    }

    @Test("end-users are never adopted, changed or deleted")
    func endUsers() {
        var world = Scenario()
        world.policy.adoptExisting = .byExternalIDOrEmail
        world.people = [S.person("alice", in: [S.admins]), S.person("dave", in: [S.staff])]
        world.remote = [S.account("alice", role: .user), S.account("dave", role: .user, externalID: .some(nil)), S.account("erin", role: .user)]
        let plan = world.plan()
        #expect(plan.summary == ["skip alice", "skip dave"])
        #expect(plan.actions.isEmpty)
        #expect(plan.skipped.allSatisfy { $0.detail.contains("end-user") })
    }

    @Test("protected e-mails are never created, changed or deleted")
    func protectedEmails() {
        var world = Scenario()
        world.policy.protectedEmails = ["Alice@Example.com", "bob@example.com"]
        world.people = [S.person("alice", in: [S.admins])]
        world.remote = [S.account("bob", role: .staff)]
        world.managed = [S.managed("bob", role: .staff)]
        #expect(world.plan().actions.isEmpty)
    }

    @Test("a skipped entry is never treated as departed; its managed account is left as it is")
    func skippedEntries() {
        var world = Scenario()
        world.people = [S.person("alice", in: [S.admins])]
        world.skipped = [SkippedEntry(dn: DistinguishedName("uid=bob,ou=people,dc=example,dc=com")!, externalID: ExternalID("bob"), email: EmailAddress("bob@example.com"),
            diagnostic: Diagnostic(.duplicateEmail, entry: "uid=bob,ou=people,dc=example,dc=com", message: "shares its e-mail address with 1 other entry"))]
        world.remote = [S.account("alice", role: .admin), S.account("bob", role: .staff)]
        world.managed = [S.managed("alice", role: .admin), S.managed("bob", role: .staff)]
        let plan = world.plan()
        #expect(plan.summary == ["skip bob"])
        #expect(!plan.hasDrift)
    }

    @Test("a managed account deleted by hand in Podero is created again")
    func vanished() {
        var world = Scenario()
        world.people = [S.person("alice", in: [S.admins])]
        world.managed = [S.managed("alice", role: .admin)]
        let plan = world.plan()
        #expect(plan.summary == ["create alice"])
        #expect(plan.actions[0].reason.contains("gone from Podero"))
    }

    @Test("the plan is sorted: by kind in applying order, then by external id")
    func deterministic() {
        var world = Scenario()
        world.people = ["zed", "amy", "kim"].map { S.person($0, in: [S.staff]) }
        world.remote = [S.account("old", role: .staff), S.account("kim", role: .admin)]
        world.managed = [S.managed("old", role: .staff), S.managed("kim", role: .admin)]
        #expect(world.plan().summary == ["create amy", "create zed", "update_role kim", "mark_departed old", "soft_delete old"])
    }

    @Test("a large directory (planned in two halves) gives exactly the actions of each case")
    func largeDirectory() {
        var world = Scenario()
        world.policy.departureGrace = .zero
        world.policy.maxDeletions = 1_000
        let count = 30_000
        for n in 0..<count {
            let name = "p\(n)"
            let isNew = n % 1_000 == 7
            let moved = n % 1_000 == 11  // promoted to admin
            world.people.append(S.person(name, in: moved ? [S.admins] : [S.staff], email: n % 1_000 == 13 ? "renamed\(n)@example.com" : nil))
            if !isNew {
                world.remote.append(S.account(name, role: .staff))
                world.managed.append(S.managed(name, role: .staff))
            }
        }
        for n in 0..<5 {  // managed, gone from the directory
            world.remote.append(S.account("gone\(n)", role: .staff))
            world.managed.append(S.managed("gone\(n)", role: .staff))
        }
        let plan = world.plan()
        let kinds = Dictionary(grouping: plan.actions, by: \.kind).mapValues(\.count)
        #expect(kinds[.create] == 30)
        #expect(kinds[.updateRole] == 30)
        #expect(kinds[.updateProfile] == 30)
        #expect(kinds[.markDeparted] == 5)
        #expect(kinds[.softDelete] == 5)
        #expect(plan.actions.count == 100)
        #expect(plan.actions.first { $0.kind == .create }?.person == ExternalID("p10007"))  // sorted by id text
        #expect(plan.actions.first { $0.kind == .updateRole }?.reason == "member of cn=podero-admins")
        #expect(world.plan().actions == plan.actions)  // deterministic
    }

    @Test("issue 15 #3: a Kelvin-sign e-mail never adopts, and so never later deletes, the hand-made admin kevin@")
    func kelvinSignDoesNotAdopt() {
        var world = Scenario()
        world.policy.adoptExisting = .byExternalIDOrEmail
        world.people = [S.person("mallory", in: [S.admins], email: "\u{212A}evin@example.com")]
        world.remote = [S.account("kevin", role: .admin, externalID: .some(nil))]
        let plan = world.plan()
        #expect(plan.summary == ["create mallory"])
        #expect(!plan.actions.contains { $0.poderoID == "id-kevin" })
        world.people = [S.person("kevin", in: [S.admins], email: "KEVIN@example.com")]
        #expect(world.plan().summary == ["adopt kevin", "update_profile kevin"])  // ASCII case still folds
    }

    @Test("issue 15 #13: a managed account made an end-user in Podero is left alone and needs a human")
    func managedTurnedEndUser() {
        var world = Scenario()
        world.people = [S.person("bob", in: [S.admins])]
        world.remote = [S.account("bob", role: .user)]
        world.managed = [S.managed("bob", role: .admin)]
        let plan = world.plan()
        #expect(plan.actions.isEmpty)
        #expect(plan.summary == ["skip bob"])
        #expect(plan.skipped[0].reason == .accountConflict && plan.skipped[0].detail.contains("end-user"))
        world.people = []  // and when Bob leaves, the end-user is not deleted either
        #expect(world.plan().actions.isEmpty)
        world.remote = [S.account("bob", role: .admin, externalID: .some("someone-else"))]
        #expect(world.plan().actions.isEmpty)  // the live account carries another person's id
        world.remote = [S.account("bob", role: .admin)]
        #expect(world.plan().summary == ["mark_departed bob", "soft_delete bob"])  // the guard only holds back mismatches
    }
}
