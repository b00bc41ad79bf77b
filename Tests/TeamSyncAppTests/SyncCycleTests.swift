import Foundation
import LDAPDirectory
import PoderoAPI
import Testing
import TeamSyncCore
import TestSupport
@testable import TeamSyncApp

@Suite("Sync cycle, in process: gather → plan → safety → apply against strict fakes")
struct SyncCycleTests {
    typealias F = Fixture
    static let staff = DistinguishedName("cn=podero-staff,ou=groups,dc=example,dc=com")!

    static func person(_ name: String) -> DirectoryPerson {
        DirectoryPerson(externalID: ExternalID(name), dn: DistinguishedName("uid=\(name),ou=people,dc=example,dc=com")!,
            email: EmailAddress("\(name)@example.com")!, firstName: name.capitalized, lastName: "Example", isDisabled: false,
            memberships: [GroupMembership(group: staff, via: [])])
    }

    static func cycle(_ directory: StaticDirectory, _ provider: any AccountProvider, maxRunTime: Duration? = nil) -> SyncCycle {
        var configuration = AppConfiguration(
            directory: LDAPSettings(url: "ldap://127.0.0.1:9", users: UserSearch(baseDN: "ou=people,dc=example,dc=com"),
                groups: GroupSearch(baseDN: "ou=groups,dc=example,dc=com"), roleGroups: [staff]),
            rules: [RoleRule(group: staff, role: .staff)],
            podero: PoderoSettings(baseURL: "http://127.0.0.1:9", orgID: "3fa85f64-5717-4562-b3fc-2c963f66afa6", clientID: "x", clientSecret: Secret("y")),
            policy: SyncPolicy(), interval: .seconds(60), journalPath: "/nonexistent/journal.sqlite", metricsListen: nil, logFormat: .text,
            warnings: [])
        if let maxRunTime { configuration.maxRunTime = maxRunTime }
        return SyncCycle(configuration: configuration, directory: directory, provider: provider, logger: F.logger)
    }

    @Test("a blocked restore: no POST while the blocker is listed; the run after it is purged creates the account")
    func blockedRestoreRetriedWhenTheBlockerIsGone() async throws {
        let directory = StaticDirectory(DirectorySnapshot(people: [Self.person("alice"), Self.person("bob")]))
        let provider = FakeAccountProvider(accounts: [F.remote("alice"), F.remote("bob", softDeleted: true)], softDeletedBlocksReuse: true)
        let journal = InMemoryJournal(managed: [F.managed("alice"), F.managed("bob", state: .softDeleted(at: Date(timeIntervalSince1970: 1_700_000_000)))])
        let cycle = Self.cycle(directory, provider)

        let first = await cycle.sync(journal: journal, dryRun: false, maxDeletionsOverride: nil)
        #expect(first.exitStatus == .success)
        #expect(first.report?.count(of: .restoreBlocked, .refused) == 1)
        #expect(provider.calls(.create).count == 1)
        guard case .restoreBlocked = journal.account("bob")?.state else { Issue.record("expected restore_blocked"); return }

        // The blocker is still there: one list with soft-deleted accounts, no POST, its id recorded.
        let listsBefore = provider.calls(.list).count
        for _ in 0..<3 {
            let again = await cycle.sync(journal: journal, dryRun: false, maxDeletionsOverride: nil)
            #expect(again.exitStatus == .success && again.summary.contains("in sync"))
        }
        #expect(provider.calls(.create).count == 1)
        #expect(provider.calls(.list).dropFirst(listsBefore).map(\.key) == ["include_deleted", "include_deleted", "include_deleted"])
        guard case .restoreBlocked(_, let blocker) = journal.account("bob")?.state else { Issue.record("expected restore_blocked"); return }
        #expect(blocker == "p-bob")

        // An administrator purges the old account: the very next run creates Bob's.
        provider.purge(id: "p-bob")
        let restored = await cycle.sync(journal: journal, dryRun: false, maxDeletionsOverride: nil)
        #expect(restored.report?.count(of: .create, .ok) == 1)
        #expect(provider.calls(.create).count == 2)
        #expect(journal.account("bob")?.state == .active)
        #expect(journal.account("bob")?.poderoID == provider.accounts.first { $0.externalID == ExternalID("bob") }?.id)

        // In step now: the next run lists live accounts only and does nothing.
        let quiet = await cycle.sync(journal: journal, dryRun: false, maxDeletionsOverride: nil)
        #expect(quiet.plan?.hasDrift == false)
        #expect(provider.calls(.list).last?.key == "live")
        #expect(quiet.managed == ManagedCounts(live: [.staff: 2]))
    }

    @Test("a failed directory read stops the run before any write to Podero or the journal's accounts")
    func failedRead() async throws {
        let directory = StaticDirectory(DirectorySnapshot(people: []))
        directory.fail(with: LDAPError(.connect, operation: "connect", reason: "cannot reach directory.url"))
        let provider = FakeAccountProvider(accounts: [F.remote("alice")])
        let journal = InMemoryJournal(managed: [F.managed("alice")])
        let outcome = await Self.cycle(directory, provider).sync(journal: journal, dryRun: false, maxDeletionsOverride: nil)
        #expect(outcome.exitStatus == .fatal && outcome.errorSystem == "directory")
        #expect(provider.calls.filter { $0.operation != .list }.isEmpty)
        #expect(journal.account("alice")?.state == .active)
        #expect(journal.runs.last?.end?.outcome == .failed && journal.runs.last?.end?.directoryComplete == false)
        #expect(try await journal.lastGoodMatchedCount() == nil)
    }

    @Test("issue 15 #1: a Podero list that lacks managed accounts never re-creates them", arguments: ["all", "one"])
    func shortListCreatesNothing(hidden: String) async throws {
        let names = (1...20).map { "p\($0)" }
        let directory = StaticDirectory(DirectorySnapshot(people: names.map(Self.person)))
        let provider = FakeAccountProvider(accounts: names.map { F.remote($0) })
        let journal = InMemoryJournal(managed: names.map { F.managed($0) })
        provider.hideFromList(hidden == "all" ? Set(names.map { "p-\($0)" }) : ["p-p7"])
        let outcome = await Self.cycle(directory, provider).sync(journal: journal, dryRun: false, maxDeletionsOverride: nil)
        #expect(outcome.exitStatus == .fatal && outcome.errorSystem == "podero")
        #expect(outcome.summary.contains("Podero's list lacks"), "\(outcome.summary)")
        #expect(provider.calls(.create).isEmpty && provider.calls(.update).isEmpty && provider.calls(.delete).isEmpty)
        #expect(journal.intents.isEmpty)
        // A short list is looked up one by one only when few are missing (all missing: no look-ups).
        #expect(provider.calls(.lookUp).isEmpty == (hidden == "all"))
    }

    @Test("a managed account that is really gone from Podero is created again, after it was looked up")
    func reallyGone() async throws {
        let directory = StaticDirectory(DirectorySnapshot(people: (1...10).map { Self.person("p\($0)") }))
        let provider = FakeAccountProvider(accounts: (2...10).map { F.remote("p\($0)") })
        let journal = InMemoryJournal(managed: (1...10).map { F.managed("p\($0)") })
        let outcome = await Self.cycle(directory, provider).sync(journal: journal, dryRun: false, maxDeletionsOverride: nil)
        #expect(outcome.exitStatus == .success)
        #expect(provider.calls(.lookUp).map(\.key) == ["p-p1", "p1"])
        #expect(provider.calls(.create).map(\.key) == ["p1"])
    }

    @Test("issue 15 #11: the disk fills up mid-run: the summary says what was done (exit 3), and the next run reconciles without a duplicate")
    func diskFullMidRun() async throws {
        let people = (0..<10).map { Self.person("p\($0)") }
        let directory = StaticDirectory(DirectorySnapshot(people: people))
        let provider = FakeAccountProvider()
        let journal = InMemoryJournal()
        journal.failWrites(after: 9)  // the run's start, then a few intents and outcomes
        let outcome = await Self.cycle(directory, provider).sync(journal: journal, dryRun: false, maxDeletionsOverride: nil)
        let created = provider.calls(.create).count
        #expect(created >= 1 && created < 10, "\(created)")
        #expect(outcome.exitStatus == .partialFailure, "\(outcome.summary)")
        #expect(!outcome.summary.contains("nothing was changed"), "\(outcome.summary)")
        #expect(outcome.summary.contains("the journal cannot be written"), "\(outcome.summary)")
        let recorded = outcome.report?.count(of: .create, .ok) ?? 0
        let unrecorded = outcome.report?.unrecorded ?? 0
        #expect(recorded + unrecorded == created, "\(outcome.summary)")
        if unrecorded > 0 { #expect(outcome.summary.contains("\(unrecorded) of them done in Podero but not recorded")) }

        journal.setFailWrites(false)
        // The real journal's lease of a process that has exited is taken over at once; the fake's is released by hand.
        try await journal.releaseLease(runID: outcome.runID)
        let next = await Self.cycle(directory, provider).sync(journal: journal, dryRun: false, maxDeletionsOverride: nil)
        #expect(next.exitStatus == .success, "\(next.summary)")
        #expect(provider.calls(.create).count == 10)  // each person created once
        #expect(journal.accounts.count == 10)
        #expect(journal.intents.allSatisfy { $0.outcome != nil })
    }

    @Test("issue 15 #5: sync.max_run_time bounds the run: no action starts after it (exit 3), and a read that overruns it writes nothing (exit 1)")
    func maxRunTime() async throws {
        let people = (0..<40).map { Self.person("p\($0)") }
        let directory = StaticDirectory(DirectorySnapshot(people: people))
        let slow = SlowProvider(FakeAccountProvider(), delay: .seconds(2))  // 40 creates, 8 at a time: 10 s
        let outcome = await Self.cycle(directory, slow, maxRunTime: .seconds(3)).sync(journal: InMemoryJournal(), dryRun: false, maxDeletionsOverride: nil)
        #expect(outcome.exitStatus == .partialFailure, "\(outcome.summary)")
        #expect(outcome.summary.contains("stopped early (the run reached sync.max_run_time"), "\(outcome.summary)")
        #expect(slow.started < 40)
        #expect((outcome.report?.notStarted ?? 0) == 40 - slow.started)

        directory.setReadDelay(.milliseconds(1500))
        let provider = FakeAccountProvider()
        let journal = InMemoryJournal()
        let late = await Self.cycle(directory, provider, maxRunTime: .seconds(1)).sync(journal: journal, dryRun: false, maxDeletionsOverride: nil)
        #expect(late.exitStatus == .fatal, "\(late.summary)")
        #expect(late.summary.contains("took longer than sync.max_run_time"), "\(late.summary)")
        #expect(provider.calls(.create).isEmpty)
    }

    @Test("issue 15 #26: the journal keeps each person's last DN; when that entry is later skipped (id unreadable) the account is kept and listed for a human")
    func skippedEntryKeepsAccount() async throws {
        let directory = StaticDirectory(DirectorySnapshot(people: [Self.person("alice"), Self.person("bob")]))
        let provider = FakeAccountProvider()
        let journal = InMemoryJournal()
        let cycle = Self.cycle(directory, provider)
        #expect(await cycle.sync(journal: journal, dryRun: false, maxDeletionsOverride: nil).exitStatus == .success)
        #expect(journal.account("bob")?.lastDN == "uid=bob,ou=people,dc=example,dc=com")  // recorded right after the create

        let bobDN = DistinguishedName("uid=bob,ou=people,dc=example,dc=com")!
        directory.set(DirectorySnapshot(people: [Self.person("alice")], skipped: [SkippedEntry(dn: bobDN, externalID: nil, email: nil,
            diagnostic: Diagnostic(.missingExternalID, entry: bobDN.normalized, message: "has no entryUUID"))]))
        let second = await cycle.sync(journal: journal, dryRun: false, maxDeletionsOverride: nil)
        #expect(second.exitStatus == .success, "\(second.summary)")
        #expect(provider.calls(.delete).isEmpty)
        #expect(journal.account("bob")?.state == .active)
        #expect(journal.skippedCases.contains { $0.kind == .departureHeld && $0.externalID == "bob" })
        #expect(journal.auditLog.contains { $0.action == .skip && $0.outcome == .refused && $0.externalUserID == "bob" })
    }

    @Test("issue 15 #23: soft deletes of earlier runs count against sync.max_deletions_per_day (exit 4)")
    func deletionsPerDay() async throws {
        let people = (0..<12).map { Self.person("p\($0)") }
        let provider = FakeAccountProvider()
        let journal = InMemoryJournal()
        let directory = StaticDirectory(DirectorySnapshot(people: people))
        var cycle = Self.cycle(directory, provider)
        cycle.configuration.policy.maxDeletionPercent = 100
        cycle.configuration.policy.maxDeletionsPerDay = 5
        #expect(await cycle.sync(journal: journal, dryRun: false, maxDeletionsOverride: nil).exitStatus == .success)
        // Three leave: fine (3 of 5). Three more leave: 3 + 3 > 5, refused.
        directory.set(DirectorySnapshot(people: Array(people.dropFirst(3))))
        #expect(await cycle.sync(journal: journal, dryRun: false, maxDeletionsOverride: nil).exitStatus == .success)
        #expect(provider.calls(.delete).count == 3)
        directory.set(DirectorySnapshot(people: Array(people.dropFirst(6))))
        let refused = await cycle.sync(journal: journal, dryRun: false, maxDeletionsOverride: nil)
        #expect(refused.exitStatus == .safetyRefused, "\(refused.summary)")
        #expect(refused.summary.contains("sync.max_deletions_per_day (5)"), "\(refused.summary)")
        #expect(provider.calls(.delete).count == 3)
    }
}
