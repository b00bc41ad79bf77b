import Foundation
import TeamSyncCore
import Testing
import TestSupport
@testable import TeamSyncApp

@Suite("Departures held for approval by name: held sets, approve, reject")
struct HeldSetTests {
    private static func softDeleted(_ journal: InMemoryJournal, _ name: String) -> Bool {
        if case .softDeleted = journal.account(name)?.state { return true }
        return false
    }

    /// Twelve people synced, limits of 2 deletions a run; then `gone` leave the directory.
    private static func world() async throws -> (StaticDirectory, FakeAccountProvider, InMemoryJournal, SyncCycle, [DirectoryPerson]) {
        let people = (0..<12).map { SyncCycleTests.person("p\($0)") }
        let provider = FakeAccountProvider()
        let journal = InMemoryJournal()
        let directory = StaticDirectory(DirectorySnapshot(people: people))
        var cycle = SyncCycleTests.cycle(directory, provider)
        cycle.configuration.policy.maxDeletions = 2
        cycle.configuration.policy.maxDeletionPercent = 100
        #expect(await cycle.sync(journal: journal, dryRun: false, maxDeletionsOverride: nil).exitStatus == .success)
        return (directory, provider, journal, cycle, people)
    }

    @Test("refused departures become one held set (not one per run); approving it lets exactly those still due go, past the limits; someone back is not touched; others stay within the limits")
    func approveNamedPeople() async throws {
        let (directory, provider, journal, cycle, people) = try await Self.world()
        // p7…p11 leave: 5 > sync.max_deletions 2.
        directory.set(DirectorySnapshot(people: Array(people.prefix(7))))
        let refused = await cycle.sync(journal: journal, dryRun: false, maxDeletionsOverride: nil)
        #expect(refused.exitStatus == .safetyRefused)
        #expect(provider.calls(.delete).isEmpty)
        let sets = try await journal.openHeldSets()
        try #require(sets.count == 1)
        let set = sets[0]
        #expect(set.people.map(\.externalID.rawValue).sorted() == ["p10", "p11", "p7", "p8", "p9"])
        #expect(set.reason.contains("sync.max_deletions (2)"), "\(set.reason)")
        #expect(journal.auditLog.contains { $0.action == .held && $0.reason?.contains(set.id) == true })
        #expect(journal.auditLog.contains { $0.action == .safetyRefused && $0.reason?.contains("podero-team-sync approve \(set.id)") == true })

        // Refused again: the same people are not held a second time.
        #expect(await cycle.sync(journal: journal, dryRun: false, maxDeletionsOverride: nil).exitStatus == .safetyRefused)
        #expect(try await journal.openHeldSets().map(\.id) == [set.id])

        // A dry run and a plan apply nothing and hold nothing.
        _ = try await journal.decide(heldSet: set.id, .approved, only: nil, by: "alice", now: Date())
        #expect(await cycle.sync(journal: journal, dryRun: true, maxDeletionsOverride: nil).exitStatus == .success)
        #expect(provider.calls(.delete).isEmpty)

        // Meanwhile p11 came back and p0, p1, p2 left (3 more, outside the set, over the limit).
        directory.set(DirectorySnapshot(people: Array(people[3..<7]) + [people[11]]))
        let approved = await cycle.sync(journal: journal, dryRun: false, maxDeletionsOverride: nil)
        #expect(approved.exitStatus == .safetyRefused, "p0…p2 are still over the limit: \(approved.summary)")
        #expect(provider.calls(.delete).count == 4, "exactly p7…p10, past the limit of 2")
        for name in ["p7", "p8", "p9", "p10"] { #expect(Self.softDeleted(journal, name), "\(name)") }
        for name in ["p0", "p1", "p2", "p11"] { #expect(journal.account(name)?.state == .active, "\(name)") }
        #expect(journal.auditLog.filter { $0.action == .softDelete && $0.outcome == .ok && $0.reason?.contains("approved by alice (held set \(set.id))") == true }.count == 4)
        // The first set is over (four departed, p11 back); the newcomers are a set of their own.
        let now = try await journal.openHeldSets()
        #expect(!now.contains { $0.id == set.id })
        try #require(now.count == 1)
        #expect(now[0].people.map(\.externalID.rawValue).sorted() == ["p0", "p1", "p2"])
    }

    @Test("--only approves some; reject drops the rest, who are not held again while they stay departing; an empty or ambiguous read lets no approved departure go")
    func onlyRejectAndUntrustedRead() async throws {
        let (directory, provider, journal, cycle, people) = try await Self.world()
        directory.set(DirectorySnapshot(people: Array(people.prefix(8))))
        _ = await cycle.sync(journal: journal, dryRun: false, maxDeletionsOverride: nil)
        let set = try #require(try await journal.openHeldSets().first)
        await #expect(throws: HeldSetDecisionError.notInSet(set.id, [ExternalID("p0")])) {
            try await journal.decide(heldSet: set.id, .approved, only: [ExternalID("p0")], by: "alice", now: Date())
        }
        await #expect(throws: HeldSetDecisionError.unknown("00000000")) {
            try await journal.decide(heldSet: "00000000", .approved, only: nil, by: "alice", now: Date())
        }
        let partly = try await journal.decide(heldSet: set.id, .approved, only: [ExternalID("p8")], by: "alice", now: Date())
        #expect(partly.awaiting.map(\.externalID.rawValue) == ["p10", "p11", "p9"], "plan order")
        _ = try await journal.decide(heldSet: set.id, .rejected, only: nil, by: "bob", now: Date())
        await #expect(throws: HeldSetDecisionError.closed(set.id)) {
            try await journal.decide(heldSet: set.id, .rejected, only: nil, by: "bob", now: Date())
        }
        #expect(journal.auditLog.filter { $0.action == .approved }.map(\.externalUserID) == ["p8"])
        #expect(journal.auditLog.filter { $0.action == .rejected }.compactMap(\.externalUserID).sorted() == ["p10", "p11", "p9"])
        #expect(journal.auditLog.last?.reason?.hasPrefix("held set \(set.id): departure rejected by bob") == true)

        // An empty directory read: every departure refused, the approved one too; nothing new held.
        directory.set(DirectorySnapshot(people: []))
        let empty = await cycle.sync(journal: journal, dryRun: false, maxDeletionsOverride: nil)
        #expect(empty.exitStatus == .safetyRefused && provider.calls(.delete).isEmpty, "\(empty.summary)")
        #expect(try await journal.openHeldSets().map(\.id) == [set.id])

        // An entry without a readable id at a DN nobody was seen at could be anyone: the
        // approved departure waits too.
        let robert = DistinguishedName("uid=robert,ou=people,dc=example,dc=com")!
        directory.set(DirectorySnapshot(people: Array(people.prefix(8)), skipped: [SkippedEntry(dn: robert, externalID: nil, email: nil,
            diagnostic: Diagnostic(.missingExternalID, entry: robert.normalized, message: "has no entryUUID"))]))
        let ambiguous = await cycle.sync(journal: journal, dryRun: false, maxDeletionsOverride: nil)
        #expect(ambiguous.exitStatus == .safetyRefused && provider.calls(.delete).isEmpty, "\(ambiguous.summary)")

        // A good read: p8 goes; the three rejected are still over the limit, refused, and not
        // offered again in a new set.
        directory.set(DirectorySnapshot(people: Array(people.prefix(8))))
        let applied = await cycle.sync(journal: journal, dryRun: false, maxDeletionsOverride: nil)
        #expect(applied.exitStatus == .safetyRefused, "\(applied.summary)")
        #expect(provider.calls(.delete).count == 1 && Self.softDeleted(journal, "p8"))
        let open = try await journal.openHeldSets()
        #expect(open.map(\.id) == [set.id])
        #expect(open.flatMap(\.people).filter { $0.outcome == nil }.map(\.externalID.rawValue) == ["p10", "p11", "p9"])
        #expect(open.allSatisfy { !$0.isOpen }, "rejected people await nothing: status does not list the set")
    }

    @Test("after the departure grace: approved soft deletes go past the limits, but not on an ambiguous read even when every departure is approved")
    func approvedAfterGrace() async throws {
        let people = (0..<6).map { SyncCycleTests.person("p\($0)") }
        let old = Date().addingTimeInterval(-8 * 86_400)
        let managed = (0..<6).map { index in Fixture.managed("p\(index)", state: index < 2 ? .active : .departed(since: old)) }
        let provider = FakeAccountProvider(accounts: people.map { Fixture.remote($0.externalID.rawValue) })
        let journal = InMemoryJournal(managed: managed)
        let directory = StaticDirectory(DirectorySnapshot(people: Array(people.prefix(2))))
        var cycle = SyncCycleTests.cycle(directory, provider)
        cycle.configuration.policy = SyncPolicy(departureGrace: .seconds(7 * 86_400), maxDeletions: 2, maxDeletionPercent: 100)
        #expect(await cycle.sync(journal: journal, dryRun: false, maxDeletionsOverride: nil).exitStatus == .safetyRefused)
        let set = try #require(try await journal.openHeldSets().first)
        #expect(set.people.count == 4 && set.people.allSatisfy { $0.why.contains("grace") })
        _ = try await journal.decide(heldSet: set.id, .approved, only: nil, by: "alice", now: Date())
        // Every departure is approved, but the read is ambiguous (an entry without a readable
        // id, at a DN nobody was seen at): none goes.
        let robert = DistinguishedName("uid=robert,ou=people,dc=example,dc=com")!
        directory.set(DirectorySnapshot(people: Array(people.prefix(2)), skipped: [SkippedEntry(dn: robert, externalID: nil, email: nil,
            diagnostic: Diagnostic(.missingExternalID, entry: robert.normalized, message: "has no entryUUID"))]))
        #expect(await cycle.sync(journal: journal, dryRun: false, maxDeletionsOverride: nil).exitStatus == .safetyRefused)
        #expect(provider.calls(.delete).isEmpty)
        directory.set(DirectorySnapshot(people: Array(people.prefix(2))))
        #expect(await cycle.sync(journal: journal, dryRun: false, maxDeletionsOverride: nil).exitStatus == .success)
        #expect(provider.calls(.delete).count == 4)
        #expect(try await journal.openHeldSets().isEmpty)
    }

    @Test("the operator: SUDO_USER first, control characters dropped, cut at 64")
    func operatorName() {
        #expect(HeldSetDecider.currentOperator(environment: ["SUDO_USER": "alice"]) == "alice")
        #expect(HeldSetDecider.currentOperator(environment: ["SUDO_USER": "al\nice\u{1b}"]) == "alice")
        #expect(HeldSetDecider.currentOperator(environment: ["SUDO_USER": String(repeating: "a", count: 100)]).count == 64)
        #expect(!HeldSetDecider.currentOperator(environment: [:]).isEmpty)
    }
}
