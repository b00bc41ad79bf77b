import Foundation
import Synchronization
import Testing
import TeamSyncCore
import TestSupport
@testable import TeamSyncApp

@Suite("Executor, in process: intents, outcomes, chains, budget, stop, dry-run")
struct ExecutorTests {
    typealias F = Fixture

    @Test("each kind is applied and recorded: intent → call → outcome, account change and audit record")
    func appliesEveryKind() async throws {
        let dave = F.managed("dave")
        let erin = F.managed("erin", state: .softDeleted(at: Date(timeIntervalSince1970: 1_700_000_000)))
        let provider = FakeAccountProvider(accounts: [F.remote("bob"), F.remote("carol"), F.remote("dave"), F.remote("erin", softDeleted: true)])
        let journal = InMemoryJournal(managed: [F.managed("bob"), dave, erin])
        let plan = Plan(actions: [
            F.create("alice", role: .admin), F.adopt("carol", current: .staff, desired: .admin), F.updateRole("carol"),
            F.updateRole("bob"), F.updateProfile("bob", lastName: "Builder"), F.markDeparted(dave), F.softDelete(dave), F.hardDelete(erin),
        ])
        let report = try await F.executor(provider, journal).apply(plan)

        #expect(report.failures == 0 && report.notStarted == 0)
        #expect(report.done == 8)
        let live = Dictionary(uniqueKeysWithValues: provider.accounts.map { ($0.externalID?.rawValue ?? "-", $0) })
        #expect(live["alice"]?.role == .admin)
        #expect(live["bob"]?.role == .admin && live["bob"]?.lastName == "Builder")
        #expect(live["carol"]?.role == .admin)
        #expect(live["dave"]?.isSoftDeleted == true)
        #expect(live["erin"] == nil)
        #expect(journal.account("alice")?.poderoID == live["alice"]?.id)
        #expect(journal.account("carol")?.adopted == true && journal.account("carol")?.role == .admin)
        #expect(journal.account("dave")?.state == .softDeleted(at: FixedClock().now))
        #expect(journal.account("erin") == nil)
        // Only writes to Podero have intents, and every one is completed.
        let announced: [String] = journal.intents.map(\.open.action.rawValue).sorted()
        #expect(announced == ["create", "hard_delete", "soft_delete", "update_profile", "update_role", "update_role"])
        #expect(journal.intents.allSatisfy { $0.outcome == .ok })
        #expect(journal.auditLog.count == 8 && journal.auditLog.allSatisfy { $0.outcome == .ok && $0.runID == "run-1" })
        #expect(journal.auditLog.first { $0.action == .create }?.poderoUserID == live["alice"]?.id)
    }

    @Test("dry run: no provider call, no intent, no account change; every action recorded as planned")
    func dryRun() async throws {
        let provider = FakeAccountProvider(accounts: [F.remote("bob")])
        let journal = InMemoryJournal(managed: [F.managed("bob", state: .departed(since: Date()))])
        var plan = Plan(actions: [F.create("alice"), F.softDelete(F.managed("bob"))], journalUpdates: [.reactivate(ExternalID("bob"))])
        plan.skipped = [SkippedEntry(dn: DistinguishedName("uid=x,dc=example,dc=com")!, externalID: nil, email: nil,
            diagnostic: Diagnostic(.missingExternalID, entry: "uid=x,dc=example,dc=com", message: "has no entryUUID"))]
        let executor = F.executor(provider, journal, dryRun: true)
        #expect(try await executor.settleInterruptedActions() == 0)
        let report = try await executor.apply(plan)
        #expect(provider.calls.isEmpty)
        #expect(journal.intents.isEmpty && journal.skippedCases.isEmpty)
        #expect(journal.account("bob")?.state != .active)
        #expect(journal.auditLog.map(\.outcome) == [.planned, .planned])
        #expect(report.count(of: .create, .planned) == 1 && report.count(of: .softDelete, .planned) == 1)
    }

    @Test("the error budget stops the run: no action starts once it is spent")
    func errorBudget() async throws {
        let provider = FakeAccountProvider()
        provider.inject(.fail(.rejected), on: .create, times: 5)
        let journal = InMemoryJournal()
        let plan = Plan(actions: ["a", "b", "c", "d", "e"].map { F.create($0) })
        let report = try await F.executor(provider, journal, budget: 2, concurrency: 1).apply(plan)
        #expect(report.failures == 2)
        #expect(report.notStarted == 3)
        #expect(report.stoppedBecause?.contains("error budget") == true)
        #expect(provider.calls(.create).count == 2)
        #expect(journal.intents.count == 2 && journal.intents.allSatisfy { $0.outcome == .failed })
        #expect(journal.auditLog.map(\.outcome) == [.failed, .failed])
    }

    @Test("a failure ends that person's chain; other people go on")
    func chainStops() async throws {
        let dave = F.managed("dave")
        let provider = FakeAccountProvider(accounts: [F.remote("bob"), F.remote("carol"), F.remote("dave")])
        provider.inject(.fail(.transient(outcomeUnknown: false)), on: .update, key: "p-bob")
        provider.inject(.fail(.rejected), on: .delete, key: "p-dave")
        let journal = InMemoryJournal(managed: [F.managed("bob"), F.managed("carol"), dave])
        let plan = Plan(actions: [
            F.updateRole("bob"), F.updateProfile("bob", lastName: "B"), F.updateRole("carol"), F.updateProfile("carol", lastName: "C"),
            F.markDeparted(dave), F.softDelete(dave),
        ])
        let report = try await F.executor(provider, journal).apply(plan)
        #expect(provider.calls(.update).filter { $0.key == "p-bob" }.count == 1)  // the profile update never started
        #expect(provider.calls(.update).filter { $0.key == "p-carol" }.count == 2)
        #expect(report.failures == 2)
        #expect(report.count(of: .markDeparted, .ok) == 1 && report.count(of: .softDelete, .failed) == 1)
        #expect(journal.account("dave")?.state == .departed(since: FixedClock().now))  // marked, not deleted
        #expect(journal.account("bob")?.role == .staff)
    }

    @Test("a stop requested while actions are in flight: they finish and are recorded, nothing new starts")
    func stopWhileInFlight() async throws {
        let provider = SlowProvider(FakeAccountProvider(), delay: .milliseconds(100))
        let journal = InMemoryJournal()
        var executor = Executor(provider: provider, journal: journal, runID: "run-1", dryRun: false, concurrency: 3, errorBudget: 10, logger: F.logger)
        executor.shouldStop = { provider.started >= 3 }
        let report = try await executor.apply(Plan(actions: (1...9).map { F.create("p\($0)") }))
        #expect(provider.started == 3)
        #expect(report.count(of: .create, .ok) == 3)
        #expect(report.notStarted == 6)
        #expect(report.stoppedBecause == "a stop was requested")
        #expect(journal.intents.count == 3 && journal.intents.allSatisfy { $0.outcome == .ok })
        #expect(journal.accounts.count == 3)
    }

    @Test("a restore Podero refuses becomes restore_blocked; a duplicate on a first create is a failure")
    func restoreBlocked() async throws {
        let provider = FakeAccountProvider(accounts: [F.remote("bob", softDeleted: true), F.remote("carol")], softDeletedBlocksReuse: true)
        let journal = InMemoryJournal(managed: [F.managed("bob", state: .softDeleted(at: Date(timeIntervalSince1970: 1_700_000_000)))])
        let clock = FixedClock()
        let report = try await F.executor(provider, journal, clock: clock).apply(Plan(actions: [F.create("bob", restore: true), F.create("carol")]))
        #expect(journal.account("bob")?.state == .restoreBlocked(since: clock.now, blockedBy: nil))
        #expect(report.count(of: .restoreBlocked, .refused) == 1)
        #expect(report.count(of: .create, .failed) == 1)
        #expect(report.failures == 1)
        let blocked = try #require(journal.auditLog.first { $0.action == .restoreBlocked })
        #expect(blocked.outcome == .refused && blocked.externalUserID == "bob")
        #expect(journal.intents.map(\.outcome) == [.refused, .failed] || journal.intents.map(\.outcome) == [.failed, .refused])
    }

    @Test("a delete of an account already gone in Podero counts as done")
    func deleteAlreadyGone() async throws {
        let dave = F.managed("dave")
        let provider = FakeAccountProvider()
        let journal = InMemoryJournal(managed: [dave])
        let report = try await F.executor(provider, journal).apply(Plan(actions: [F.softDelete(dave)]))
        #expect(report.failures == 0)
        #expect(journal.account("dave")?.state == .softDeleted(at: FixedClock().now))
    }

    @Test("an update whose answer was lost is a failure with its intent closed; nothing is guessed")
    func lostAnswer() async throws {
        let provider = FakeAccountProvider(accounts: [F.remote("bob")])
        provider.inject(.applyThenLoseAnswer, on: .update)
        let journal = InMemoryJournal(managed: [F.managed("bob")])
        let report = try await F.executor(provider, journal).apply(Plan(actions: [F.updateRole("bob")]))
        #expect(report.failures == 1)
        #expect(journal.intents.map(\.outcome) == [.failed])
        #expect(journal.account("bob")?.role == .staff)  // the next plan sees the admin in Podero and is in step
        #expect(provider.accounts.first?.role == .admin)
    }

    @Test("skipped people are audited once per new case, keyed by code and id, not by message")
    func skipsAuditedOnce() async throws {
        let provider = FakeAccountProvider()
        let journal = InMemoryJournal()
        func plan(_ others: Int) -> Plan {
            var plan = Plan(actions: [])
            plan.skipped = [SkippedEntry(dn: DistinguishedName("uid=x,dc=example,dc=com")!, externalID: ExternalID("x"), email: EmailAddress("x@example.com"),
                diagnostic: Diagnostic(.duplicateEmail, entry: "uid=x,dc=example,dc=com", message: "shares its e-mail address with \(others) other entries"))]
            return plan
        }
        _ = try await F.executor(provider, journal).apply(plan(1))
        _ = try await F.executor(provider, journal).apply(plan(2))  // the count changed; the case did not
        #expect(journal.auditLog.filter { $0.action == .skip }.count == 1)
        #expect(journal.skippedCases.first?.detail.contains("2 other entries") == true)
        _ = try await F.executor(provider, journal).apply(Plan(actions: []))
        #expect(journal.skippedCases.isEmpty)  // resolved cases leave
    }

    @Test("issue 15 #9: right before a soft delete the live account is read again; one turned end-user, carrying another id, or unreadable is not deleted")
    func liveCheckBeforeSoftDelete() async throws {
        let provider = FakeAccountProvider(accounts: [
            F.remote("dave", role: .user),
            RemoteAccount(id: "p-erin", role: .admin, email: "boss@example.com", externalID: ExternalID("kevin"), firstName: nil, lastName: nil),
            F.remote("fred"), F.remote("gina"),
        ])
        provider.inject(.fail(.transient(outcomeUnknown: false)), on: .lookUp, key: "p-fred", times: 5)
        let accounts = ["dave", "erin", "fred", "gina"].map { F.managed($0) }
        let journal = InMemoryJournal(managed: accounts)
        let report = try await F.executor(provider, journal).apply(Plan(actions: accounts.map(F.softDelete)))
        #expect(provider.calls(.delete).map(\.key) == ["p-gina"])  // only the one that still agrees
        #expect(report.count(of: .softDelete, .failed) == 3 && report.count(of: .softDelete, .ok) == 1)
        let refused = journal.auditLog.filter { $0.action == .softDelete && $0.outcome == .refused }
        #expect(Set(refused.compactMap(\.externalUserID)) == ["dave", "erin", "fred"])
        #expect(refused.contains { $0.reason?.contains("is now an end-user") == true })
        #expect(refused.contains { $0.reason?.contains("now carries another external id") == true })
        #expect(refused.contains { $0.reason?.contains("could not be read first") == true })
        #expect(journal.account("dave")?.state == .active && journal.account("gina")?.state != .active)
    }

    @Test("a journal that cannot be written stops the run before any call")
    func brokenJournal() async throws {
        let provider = FakeAccountProvider()
        let journal = InMemoryJournal()
        journal.setFailWrites(true)
        await #expect(throws: FakeJournalError.self) { _ = try await F.executor(provider, journal).apply(Plan(actions: [F.create("alice")])) }
        #expect(provider.calls.isEmpty)
    }
}

/// Wraps a provider so that creates take a while: long enough to request a stop while they run.
final class SlowProvider: AccountProvider {
    private let base: FakeAccountProvider
    private let delay: Duration
    private let count = Mutex(0)

    init(_ base: FakeAccountProvider, delay: Duration) {
        self.base = base
        self.delay = delay
    }

    /// Creates started so far.
    var started: Int { count.withLock { $0 } }

    func listAccounts(includeDeleted: Bool) async throws -> [RemoteAccount] { try await base.listAccounts(includeDeleted: includeDeleted) }
    func account(externalID: ExternalID, includeDeleted: Bool) async throws -> RemoteAccount? {
        try await base.account(externalID: externalID, includeDeleted: includeDeleted)
    }
    func create(_ account: NewAccount) async throws -> RemoteAccount {
        count.withLock { $0 += 1 }
        try await Task.sleep(for: delay)
        return try await base.create(account)
    }
    func account(id: String) async throws -> RemoteAccount? { try await base.account(id: id) }
    func update(id: String, _ changes: AccountChanges) async throws -> RemoteAccount { try await base.update(id: id, changes) }
    func delete(id: String, soft: Bool) async throws { try await base.delete(id: id, soft: soft) }
}
