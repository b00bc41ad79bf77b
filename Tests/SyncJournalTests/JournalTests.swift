import Foundation
import GRDB
import Testing
import TeamSyncCore
@testable import SyncJournal

/// A journal in a fresh temporary directory.
struct TemporaryJournal {
    let directory: URL
    let path: String
    let journal: SyncJournal

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString)")
        path = directory.appendingPathComponent("state/journal.sqlite").path
        journal = try SyncJournal.open(path: path)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

@Suite("Journal: schema, files, managed accounts, lease")
struct JournalTests {
    @Test("migrates an empty file, in WAL mode, with mode 0600, and opens again")
    func migrations() async throws {
        let temporary = try TemporaryJournal()
        defer { temporary.remove() }
        let mode = try FileManager.default.attributesOfItem(atPath: temporary.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let journalMode = try await temporary.journal.database.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(journalMode == "wal")
        try await temporary.journal.append([AuditRecord(time: Date(), runID: "r", action: .runStarted, outcome: .ok)])
        let walMode = try FileManager.default.attributesOfItem(atPath: temporary.path + "-wal")[.posixPermissions] as? Int
        #expect(walMode == 0o600)
        let again = try SyncJournal.open(path: temporary.path)
        #expect(try await again.verifyAudit() == .intact(records: 1))
        let readOnly = try #require(try SyncJournal.openReadOnly(path: temporary.path))
        #expect(try await readOnly.managedAccounts().isEmpty)
        #expect(try SyncJournal.openReadOnly(path: temporary.path + ".missing") == nil)
    }

    @Test("managed accounts through their life: created, departed, soft-deleted, blocked, removed")
    func managedLifecycle() async throws {
        let temporary = try TemporaryJournal()
        defer { temporary.remove() }
        let journal = temporary.journal
        let id = ExternalID("e1")
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        try await journal.record(.active(externalID: id, poderoID: "p1", email: "a@example.com", role: .staff, adopted: false), audit: [], now: now)
        try await journal.record(.updated(externalID: id, email: nil, role: .admin), audit: [], now: now)
        #expect(try await journal.managedAccounts() == [ManagedAccount(externalID: id, poderoID: "p1", email: "a@example.com", role: .admin, firstSeen: now)])
        try await journal.record(.departed(externalID: id, since: now), audit: [], now: now)
        #expect(try await journal.managedAccounts().first?.state == .departed(since: now))
        try await journal.record(.softDeleted(externalID: id, at: now), audit: [], now: now)
        try await journal.record(.restoreBlocked(externalID: id, at: now), audit: [], now: now)
        #expect(try await journal.managedAccounts().first?.state == .restoreBlocked(since: now, blockedBy: nil))
        try await journal.apply([.restoreBlockedBy(id, poderoID: "old-p1")], now: now)
        #expect(try await journal.managedAccounts().first?.state == .restoreBlocked(since: now, blockedBy: "old-p1"))
        try await journal.apply([.closeBlockedRestore(id)], now: now)
        #expect(try await journal.managedAccounts().first?.state == .softDeleted(at: now))
        try await journal.record(.removed(externalID: id), audit: [], now: now)
        #expect(try await journal.managedAccounts().isEmpty)
    }

    @Test("intents left open by a dead run are found; completed ones are not")
    func intents() async throws {
        let temporary = try TemporaryJournal()
        defer { temporary.remove() }
        let new = NewAccount(role: .staff, email: "a@example.com", firstName: nil, lastName: nil, externalID: ExternalID("e1"))
        let action = PlanAction(person: ExternalID("e1"), email: "a@example.com", reason: "joined", change: .create(new, isRestore: false))
        let open = try await temporary.journal.recordIntent(runID: "r1", action: action, now: Date())
        let done = try await temporary.journal.recordIntent(runID: "r1", action: action, now: Date())
        try await temporary.journal.complete(intent: done, outcome: .ok, change: nil, audit: [], now: Date())
        let found = try await temporary.journal.openIntents()
        #expect(found.map(\.id) == [open])
        #expect(found.first?.action == .create && found.first?.role == .staff)
        await #expect(throws: JournalError.self) {
            try await temporary.journal.complete(intent: done, outcome: .failed, change: nil, audit: [], now: Date())
        }
    }

    @Test("one run at a time: a live holder refuses, a dead holder is taken over")
    func lease() async throws {
        let temporary = try TemporaryJournal()
        defer { temporary.remove() }
        let sleeper = Process()
        sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sleeper.arguments = ["30"]
        try sleeper.run()
        defer { if sleeper.isRunning { kill(sleeper.processIdentifier, SIGKILL) } }
        let start = try #require(ProcessIdentity.start(of: sleeper.processIdentifier))
        try await temporary.journal.database.write { db in
            try db.execute(sql: "INSERT INTO lease (id, pid, process_start, run_id, command, acquired_at) VALUES (1, ?, ?, 'other-run', 'sync', ?)",
                arguments: [sleeper.processIdentifier, start, Date().timeIntervalSince1970])
        }
        do {
            try await temporary.journal.acquireLease(runID: "mine", command: "sync", now: Date())
            Issue.record("expected the lease to be held")
        } catch let error as JournalError {
            #expect(error.kind == .leaseHeld)
            #expect(error.description.contains("process \(sleeper.processIdentifier)"))
        }
        kill(sleeper.processIdentifier, SIGKILL)  // like kill -9: the lease stays behind
        sleeper.waitUntilExit()
        let takenOver = try await temporary.journal.acquireLease(runID: "mine", command: "sync", now: Date())
        #expect(takenOver == "sync")
        try await temporary.journal.releaseLease(runID: "mine")
        #expect(try await temporary.journal.acquireLease(runID: "next", command: "sync", now: Date()) == nil)
    }

    @Test("issue 15 #24: a lease of another host is never taken over; one of an earlier boot of this host is")
    func leaseAcrossHosts() async throws {
        let temporary = try TemporaryJournal()
        defer { temporary.remove() }
        // A PID that is alive here (our own parent's would do; ours is simplest), recorded by another host.
        func hold(host: String, boot: String) async throws {
            try await temporary.journal.database.write { db in
                try db.execute(sql: "DELETE FROM lease")
                try db.execute(sql: """
                    INSERT INTO lease (id, pid, process_start, run_id, command, acquired_at, host, boot_id) VALUES (1, 999999, '1', 'their-run', 'run', ?, ?, ?)
                    """, arguments: [Date().timeIntervalSince1970, host, boot])
            }
        }
        try await hold(host: "other-host.example", boot: ProcessIdentity.bootID)
        do {
            try await temporary.journal.acquireLease(runID: "mine", command: "sync", now: Date())
            Issue.record("took over another host's lease")
        } catch let error as JournalError {
            #expect(error.kind == .leaseHeld)
            #expect(error.description.contains("a run on host other-host.example holds the journal"), "\(error)")
        }
        // This host, an earlier boot: whatever holds PID 999999 now, that run died with the reboot.
        try await hold(host: ProcessIdentity.host, boot: "00000000-0000-0000-0000-000000000000")
        #expect(try await temporary.journal.acquireLease(runID: "mine", command: "sync", now: Date()) == "run")
        let row = try temporary.journal.database.read { db in try Row.fetchOne(db, sql: "SELECT host, boot_id FROM lease") }
        #expect(row?["host"] == ProcessIdentity.host && row?["boot_id"] == ProcessIdentity.bootID)
    }

    @Test("issue 15 #18: a run that never finished and whose process is gone shows as interrupted, not running")
    func interruptedRun() async throws {
        let temporary = try TemporaryJournal()
        defer { temporary.remove() }
        try await temporary.journal.beginRun(runID: "killed", command: "sync", dryRun: false, now: Date())
        try await temporary.journal.acquireLease(runID: "live", command: "sync", now: Date())
        try await temporary.journal.beginRun(runID: "live", command: "sync", dryRun: false, now: Date())
        let runs = try await temporary.journal.recentRuns(limit: 5)
        #expect(runs.first { $0.runID == "killed" }?.interrupted == true)
        #expect(runs.first { $0.runID == "live" }?.interrupted == false)  // this process holds its lease
    }

    @Test("issue 15 #22: an existing empty journal file, or one that is not a regular file, is refused, never re-created")
    func emptyJournal() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("journal-empty-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("journal.sqlite").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        for open in [{ _ = try SyncJournal.open(path: path) }, { _ = try SyncJournal.openReadOnly(path: path) }] {
            #expect {
                try open()
            } throws: { error in
                "\(error)".contains("exists but is empty (0 bytes)")
            }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).isEmpty)  // left as it was
        #expect(throws: JournalError.self) { _ = try SyncJournal.open(path: "/dev/null") }
    }

    @Test("the shrink guard's baseline: the last complete, unrefused, real run")
    func baseline() async throws {
        let temporary = try TemporaryJournal()
        defer { temporary.remove() }
        let journal = temporary.journal
        for (id, outcome, dry, count) in [("a", RunOutcome.ok, false, 100), ("b", .refused, false, 10), ("c", .ok, true, 20)] {
            try await journal.beginRun(runID: id, command: "sync", dryRun: dry, now: Date())
            try await journal.finishRun(runID: id, .init(outcome: outcome, exitCode: 0, matchedCount: count, directoryComplete: true, counts: [:], detail: nil), now: Date())
        }
        #expect(try await journal.lastGoodMatchedCount() == 100)
    }

    @Test("managed counts per role and pending departures come from SQLite, not from loading every account")
    func counts() async throws {
        let temporary = try TemporaryJournal()
        defer { temporary.remove() }
        let journal = temporary.journal
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        for (name, role) in [("a", Role.admin), ("b", .staff), ("c", .staff), ("d", .staff)] {
            try await journal.record(.active(externalID: ExternalID(name), poderoID: "p-\(name)", email: "\(name)@example.com", role: role, adopted: false), audit: [], now: now)
        }
        try await journal.record(.departed(externalID: ExternalID("c"), since: now), audit: [], now: now)
        try await journal.record(.softDeleted(externalID: ExternalID("d"), at: now), audit: [], now: now)
        #expect(try await journal.managedCounts() == ManagedCounts(live: [.admin: 1, .staff: 2], pendingDepartures: 1))
        #expect(try await journal.managedCounts() == ManagedCounts(try await journal.managedAccounts()))
    }

    @Test("a value the journal does not know is an error naming the row, never a default", arguments: [
        ("UPDATE managed_account SET state = 'frozen'", "managed_account external_id=e1: state 'frozen'"),
        ("UPDATE managed_account SET role = 'owner'", "managed_account external_id=e1: role 'owner'"),
        ("UPDATE managed_account SET state = 'departed', departed_since = NULL", "departed_since is NULL"),
    ])
    func unknownValues(sql: String, message: String) async throws {
        let temporary = try TemporaryJournal()
        defer { temporary.remove() }
        let journal = temporary.journal
        try await journal.record(.active(externalID: ExternalID("e1"), poderoID: "p1", email: "a@example.com", role: .staff, adopted: false), audit: [], now: Date())
        try await journal.database.write { db in try db.execute(sql: sql) }
        do {
            _ = try await journal.managedAccounts()
            Issue.record("expected a JournalError")
        } catch let error as JournalError {
            #expect(error.kind == .corrupt)
            #expect(error.message.contains(message))
        }
    }

    @Test("unknown intent actions and run outcomes are refused too")
    func unknownIntentAndRun() async throws {
        let temporary = try TemporaryJournal()
        defer { temporary.remove() }
        let journal = temporary.journal
        try await journal.database.write { db in
            try db.execute(sql: "INSERT INTO intent (run_id, action, external_id, created_at) VALUES ('r', 'promote', 'e1', 0)")
            try db.execute(sql: "INSERT INTO run (run_id, command, dry_run, started_at, outcome) VALUES ('r', 'sync', 0, 0, 'great')")
        }
        await #expect(throws: JournalError.self) { _ = try await journal.openIntents() }
        await #expect(throws: JournalError.self) { _ = try await journal.recentRuns(limit: 5) }
    }
}
