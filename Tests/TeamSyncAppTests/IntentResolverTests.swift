import Foundation
import Testing
import TeamSyncCore
import TestSupport
@testable import TeamSyncApp

@Suite("Intent recovery, in process: every branch after a run was killed mid-call")
struct IntentResolverTests {
    typealias F = Fixture

    private func resolve(_ provider: FakeAccountProvider, _ journal: InMemoryJournal) async throws -> Int {
        try await IntentResolver(provider: provider, journal: journal, runID: "run-2", logger: F.logger).resolve(now: FixedClock().now)
    }

    @Test("a create that went through is recorded as ours, with one audit record; it is never sent again")
    func createConfirmed() async throws {
        let provider = FakeAccountProvider(accounts: [F.remote("alice", role: .admin)])
        let journal = InMemoryJournal()
        journal.leaveOpenIntent(runID: "run-1", action: .create, externalID: ExternalID("alice"), email: "alice@example.com", role: .admin)
        #expect(try await resolve(provider, journal) == 1)
        #expect(journal.account("alice") == ManagedAccount(externalID: ExternalID("alice"), poderoID: "p-alice", email: "alice@example.com",
            role: .admin, firstSeen: FixedClock().now))
        #expect(journal.intents.map(\.outcome) == [.ok])
        #expect(journal.auditLog.map(\.action) == [.create])
        #expect(journal.auditLog.first?.reason?.contains("interrupted run (run-1)") == true)
        #expect(provider.calls(.create).isEmpty)
    }

    @Test("a create that did not go through is abandoned: the new plan decides")
    func createAbandoned() async throws {
        let provider = FakeAccountProvider()
        let journal = InMemoryJournal()
        journal.leaveOpenIntent(runID: "run-1", action: .create, externalID: ExternalID("alice"), role: .staff)
        #expect(try await resolve(provider, journal) == 0)
        #expect(journal.intents.map(\.outcome) == [.abandoned])
        #expect(journal.accounts.isEmpty && journal.auditLog.isEmpty)
    }

    @Test("soft delete: gone from the live list → recorded; still live → abandoned", arguments: [true, false])
    func softDelete(wentThrough: Bool) async throws {
        let provider = FakeAccountProvider(accounts: [F.remote("dave", softDeleted: wentThrough)])
        let journal = InMemoryJournal(managed: [F.managed("dave", state: .departed(since: Date(timeIntervalSince1970: 1_700_000_000)))])
        journal.leaveOpenIntent(runID: "run-1", action: .softDelete, externalID: ExternalID("dave"), poderoID: "p-dave")
        #expect(try await resolve(provider, journal) == (wentThrough ? 1 : 0))
        #expect(journal.intents.map(\.outcome) == [wentThrough ? .ok : .abandoned])
        if wentThrough {
            #expect(journal.account("dave")?.state == .softDeleted(at: FixedClock().now))
        } else {
            #expect(journal.account("dave")?.state == .departed(since: Date(timeIntervalSince1970: 1_700_000_000)))
        }
    }

    @Test("hard delete: gone even with soft-deleted accounts listed → removed; still there → abandoned", arguments: [true, false])
    func hardDelete(wentThrough: Bool) async throws {
        let provider = FakeAccountProvider(accounts: wentThrough ? [] : [F.remote("erin", softDeleted: true)])
        let journal = InMemoryJournal(managed: [F.managed("erin", state: .softDeleted(at: Date(timeIntervalSince1970: 1_700_000_000)))])
        journal.leaveOpenIntent(runID: "run-1", action: .hardDelete, externalID: ExternalID("erin"), poderoID: "p-erin")
        _ = try await resolve(provider, journal)
        #expect(journal.intents.map(\.outcome) == [wentThrough ? .ok : .abandoned])
        #expect((journal.account("erin") == nil) == wentThrough)
    }

    @Test("updates and intents without an external id are abandoned without asking Podero", arguments: [
        PlanAction.Kind.updateRole, .updateProfile,
    ])
    func abandoned(kind: PlanAction.Kind) async throws {
        let provider = FakeAccountProvider(accounts: [F.remote("bob")])
        let journal = InMemoryJournal(managed: [F.managed("bob")])
        journal.leaveOpenIntent(runID: "run-1", action: kind, externalID: ExternalID("bob"), poderoID: "p-bob")
        journal.leaveOpenIntent(runID: "run-1", action: .create, externalID: nil)
        #expect(try await resolve(provider, journal) == 0)
        #expect(journal.intents.map(\.outcome) == [.abandoned, .abandoned])
        #expect(provider.calls.isEmpty)
    }

    @Test("when Podero cannot be asked, nothing is settled and the run fails before it plans")
    func providerDown() async throws {
        let provider = FakeAccountProvider(accounts: [F.remote("alice")])
        provider.inject(.fail(.transient(outcomeUnknown: false)), on: .lookUp)
        let journal = InMemoryJournal()
        journal.leaveOpenIntent(runID: "run-1", action: .create, externalID: ExternalID("alice"), role: .staff)
        await #expect(throws: FakeAccountError.self) { _ = try await resolve(provider, journal) }
        #expect(journal.intents.map(\.outcome) == [nil])
        #expect(journal.accounts.isEmpty)
    }
}
