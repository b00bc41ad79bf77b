import Foundation
import Synchronization
import TeamSyncCore

/// An in-process `JournalStore` with the SQLite journal's semantics, strict about its
/// preconditions: completing an unknown or already completed intent, finishing an unknown run,
/// or changing an account the journal does not hold is an error, never ignored. Writes can be
/// made to fail for tests of a broken journal.
package final class InMemoryJournal: JournalStore {
    /// A run as recorded.
    package struct Run: Sendable, Equatable {
        package var runID: String
        package var command: String
        package var dryRun: Bool
        package var end: RunEnd?
    }

    /// An intent and how it ended (nil while open).
    package struct Intent: Sendable, Equatable {
        package var open: OpenIntent
        package var outcome: IntentOutcome?
    }

    private struct State {
        var managed: [ExternalID: ManagedAccount] = [:]
        var audit: [AuditRecord] = []
        var intents: [Intent] = []
        var runs: [Run] = []
        var lease: String?
        var skipped: [String: AttentionCase] = [:]
        var cookie: WatchCookie?
        var watch: WatchStatus?
        var held: [HeldSet] = []
        var failWrites = false
        /// Writes still allowed before every later one fails; nil is no limit.
        var writesLeft: Int?
    }

    private let state: Mutex<State>

    /// Creates a journal holding `managed`.
    package init(managed: [ManagedAccount] = []) {
        var initial = State()
        for account in managed { initial.managed[account.externalID] = account }
        state = Mutex(initial)
    }

    /// Managed accounts, sorted by external id.
    package var accounts: [ManagedAccount] { state.withLock { $0.managed.values.sorted { $0.externalID.rawValue < $1.externalID.rawValue } } }
    /// The managed account of one person.
    package func account(_ id: String) -> ManagedAccount? { state.withLock { $0.managed[ExternalID(id)] } }
    /// The audit log, oldest first.
    package var auditLog: [AuditRecord] { state.withLock { $0.audit } }
    /// Every intent, in order.
    package var intents: [Intent] { state.withLock { $0.intents } }
    package var runs: [Run] { state.withLock { $0.runs } }
    package var skippedCases: [AttentionCase] { state.withLock { Array($0.skipped.values) } }
    /// Makes every later write throw (a full disk, a broken file).
    package func setFailWrites(_ value: Bool) {
        state.withLock {
            $0.failWrites = value
            $0.writesLeft = nil
        }
    }
    /// Lets `count` more writes succeed, then makes every later one throw (the disk fills up mid-run).
    package func failWrites(after count: Int) { state.withLock { $0.writesLeft = count } }

    /// Leaves an intent open, as a run killed after announcing a call would.
    @discardableResult
    package func leaveOpenIntent(runID: String, action: PlanAction.Kind, externalID: ExternalID?, poderoID: String? = nil, email: String? = nil, role: Role? = nil) -> Int64 {
        state.withLock { state in
            let id = Int64(state.intents.count + 1)
            state.intents.append(Intent(open: OpenIntent(id: id, runID: runID, action: action, externalID: externalID, poderoID: poderoID, email: email, role: role)))
            return id
        }
    }

    // MARK: JournalStore

    package func acquireLease(runID: String, command: String, now: Date) async throws -> String? {
        try write { state in
            if let holder = state.lease, holder != runID { throw FakeJournalError("the lease is held by run \(holder)") }
            state.lease = runID
            return nil
        }
    }

    package func releaseLease(runID: String) async throws {
        try write { state in if state.lease == runID { state.lease = nil } }
    }

    package func beginRun(runID: String, command: String, dryRun: Bool, now: Date) async throws {
        try write { state in
            guard !state.runs.contains(where: { $0.runID == runID }) else { throw FakeJournalError("run \(runID) began twice") }
            state.runs.append(Run(runID: runID, command: command, dryRun: dryRun))
        }
    }

    package func finishRun(runID: String, _ end: RunEnd, now: Date) async throws {
        try write { state in
            guard let index = state.runs.firstIndex(where: { $0.runID == runID }), state.runs[index].end == nil else {
                throw FakeJournalError("run \(runID) is not running")
            }
            state.runs[index].end = end
            if let cookie = end.watchCookie { state.cookie = cookie }
        }
    }

    package func managedAccounts(externalIDs: Set<ExternalID>, lastDNs: Set<String>) async throws -> [ManagedAccount] {
        accounts.filter { externalIDs.contains($0.externalID) || $0.lastDN.map(lastDNs.contains) == true }
    }

    package func departedPeople(since time: Date, command: String?) async throws -> Int {
        let from = AuditTime.format(time)
        return state.withLock { state in
            let runs = Set(state.runs.filter { command == nil || $0.command == command }.map(\.runID))
            return Set(state.audit.filter { record in
                (record.action == .markDeparted || record.action == .softDelete) && record.outcome == .ok && record.time >= from
                    && (command == nil || record.runID.map(runs.contains) == true)
            }.compactMap(\.externalUserID)).count
        }
    }

    package func watchCookie(scope: String) async throws -> [UInt8]? {
        state.withLock { state in state.cookie.flatMap { $0.scope == scope ? $0.bytes : nil } }
    }

    package func storeWatchCookie(_ cookie: WatchCookie?) async throws {
        try write { state in state.cookie = cookie }
    }

    package func recordWatchStatus(_ status: WatchStatus) async throws {
        try write { state in state.watch = status }
    }

    package func watchStatus() async throws -> WatchStatus? { state.withLock { $0.watch } }

    package func openHeldSets() async throws -> [HeldSet] {
        state.withLock { state in state.held.filter { $0.people.contains { $0.outcome == nil } } }
    }

    package func recordHeldSet(_ set: HeldSet, runID: String) async throws {
        try write { state in
            guard !state.held.contains(where: { $0.id == set.id }) else { throw FakeJournalError("held set \(set.id) recorded twice") }
            let open = Set(state.held.flatMap { $0.people.filter { $0.outcome == nil }.map(\.externalID) })
            if let twice = set.people.first(where: { open.contains($0.externalID) }) {
                throw FakeJournalError("\(twice.externalID.rawValue) is already in an open held set")
            }
            state.held.append(set)
            Self.append([AuditRecord(time: set.since, runID: runID, action: .held, outcome: .refused,
                reason: "held set \(set.id): \(set.people.count) departures kept for approval by name (\(set.reason))")], to: &state)
        }
    }

    package func decide(heldSet id: String, _ decision: HeldSet.Decision, only: Set<ExternalID>?, by operator: String, now: Date) async throws -> HeldSet {
        try write { state in
            guard let index = state.held.firstIndex(where: { $0.id == id }) else { throw HeldSetDecisionError.unknown(id) }
            let awaiting = state.held[index].awaiting.map(\.externalID)
            guard !awaiting.isEmpty else { throw HeldSetDecisionError.closed(id) }
            if let outside = only?.subtracting(awaiting), !outside.isEmpty {
                throw HeldSetDecisionError.notInSet(id, outside.sorted { $0.rawValue < $1.rawValue })
            }
            for person in state.held[index].people.indices {
                let held = state.held[index].people[person]
                guard awaiting.contains(held.externalID), only?.contains(held.externalID) ?? true else { continue }
                state.held[index].people[person].decision = decision
                state.held[index].people[person].decidedBy = `operator`
                state.held[index].people[person].decidedAt = now
                Self.append([AuditRecord(time: now, runID: nil, action: decision == .approved ? .approved : .rejected, outcome: .ok,
                    externalUserID: held.externalID.rawValue, email: held.email, roleBefore: held.role.rawValue,
                    reason: "held set \(id): departure \(decision.rawValue) by \(`operator`); \(held.why)")], to: &state)
            }
            return state.held[index]
        }
    }

    package func closeHeldCases(_ outcomes: [ExternalID: String], now: Date) async throws {
        guard !outcomes.isEmpty else { return }
        try write { state in
            for set in state.held.indices {
                for person in state.held[set].people.indices where state.held[set].people[person].outcome == nil {
                    if let outcome = outcomes[state.held[set].people[person].externalID] { state.held[set].people[person].outcome = outcome }
                }
            }
        }
    }

    package func heldDecisionCount() async throws -> Int {
        state.withLock { state in state.held.flatMap(\.people).filter { $0.decidedAt != nil }.count }
    }

    package func managedAccounts() async throws -> [ManagedAccount] { accounts }

    package func managedCounts() async throws -> ManagedCounts {
        var counts = ManagedCounts(accounts)
        counts.needsAttention += skippedCases.count
        return counts
    }

    package func softDeletes(since time: Date) async throws -> Int {
        let from = AuditTime.format(time)
        return state.withLock { state in state.audit.filter { $0.action == .softDelete && $0.outcome == .ok && $0.time >= from }.count }
    }

    package func lastGoodMatchedCount() async throws -> Int? {
        state.withLock { state in
            state.runs.last { run in
                guard let end = run.end, !run.dryRun else { return false }
                return end.directoryComplete && end.outcome.countsAsGoodRead && end.matchedCount != nil
            }?.end?.matchedCount
        }
    }

    package func append(_ records: [AuditRecord]) async throws {
        try write { state in Self.append(records, to: &state) }
    }

    package func recordIntent(runID: String, action: PlanAction, now: Date) async throws -> Int64 {
        try write { state in
            let id = Int64(state.intents.count + 1)
            state.intents.append(Intent(open: OpenIntent(
                id: id, runID: runID, action: action.kind, externalID: action.person, poderoID: action.poderoID,
                email: action.email, role: action.roleAfter ?? action.roleBefore)))
            return id
        }
    }

    package func complete(intent: Int64, outcome: IntentOutcome, change: ManagedChange?, audit: [AuditRecord], now: Date) async throws {
        try write { state in
            guard let index = state.intents.firstIndex(where: { $0.open.id == intent }), state.intents[index].outcome == nil else {
                throw FakeJournalError("intent \(intent) is not open")
            }
            var copy = state
            copy.intents[index].outcome = outcome
            if let change { try Self.apply(change, now: now, to: &copy) }
            Self.append(audit, to: &copy)
            state = copy  // all or nothing, like the transaction
        }
    }

    package func record(_ change: ManagedChange, audit: [AuditRecord], now: Date) async throws {
        try write { state in
            var copy = state
            try Self.apply(change, now: now, to: &copy)
            Self.append(audit, to: &copy)
            state = copy
        }
    }

    package func openIntents() async throws -> [OpenIntent] {
        state.withLock { $0.intents.filter { $0.outcome == nil }.map(\.open) }
    }

    package func apply(_ updates: [JournalUpdate], now: Date) async throws {
        try write { state in
            var copy = state
            for update in updates {
                switch update {
                case .reactivate(let id):
                    try Self.modify(id, in: &copy) { $0.state = .active }
                case .closeBlockedRestore(let id):
                    try Self.modify(id, in: &copy) { $0.state = .softDeleted(at: now) }
                case .restoreBlockedBy(let id, let poderoID):
                    try Self.modify(id, in: &copy) { account in
                        if case .restoreBlocked(let since, _) = account.state { account.state = .restoreBlocked(since: since, blockedBy: poderoID) }
                    }
                case .lastSeen(let id, let dn):
                    // Also sent for a create that then failed: no row, nothing to note.
                    if copy.managed[id] != nil { try Self.modify(id, in: &copy) { $0.lastDN = dn } }
                case .expiry(let id, let date):
                    if copy.managed[id] != nil { try Self.modify(id, in: &copy) { $0.expiresAt = date } }
                }
            }
            state = copy
        }
    }

    package func replaceSkipped(_ cases: [AttentionCase], now: Date) async throws -> Set<String> {
        try write { state in
            var fresh = Set<String>()
            var next: [String: AttentionCase] = [:]
            for item in cases {
                var stored = item
                if let known = state.skipped[item.key] { stored.since = known.since } else {
                    stored.since = now
                    fresh.insert(item.key)
                }
                next[item.key] = stored
            }
            state.skipped = next
            return fresh
        }
    }

    // MARK: Mechanics

    private func write<T>(_ body: (inout State) throws -> T) throws -> T {
        try state.withLock { state in
            if let left = state.writesLeft {
                if left <= 0 { state.failWrites = true } else { state.writesLeft = left - 1 }
            }
            if state.failWrites { throw FakeJournalError("the journal cannot be written (injected)") }
            return try body(&state)
        }
    }

    private static func append(_ records: [AuditRecord], to state: inout State) {
        for var record in records {
            record.seq = Int64(state.audit.count + 1)
            state.audit.append(record)
        }
    }

    private static func modify(_ id: ExternalID, in state: inout State, _ body: (inout ManagedAccount) -> Void) throws {
        guard var account = state.managed[id] else { throw FakeJournalError("no managed account \(id.rawValue)") }
        body(&account)
        state.managed[id] = account
    }

    private static func apply(_ change: ManagedChange, now: Date, to state: inout State) throws {
        switch change {
        case .active(let id, let poderoID, let email, let role, let adopted):
            let firstSeen = state.managed[id]?.firstSeen ?? now
            state.managed[id] = ManagedAccount(externalID: id, poderoID: poderoID, email: email, role: role, state: .active, firstSeen: firstSeen, adopted: adopted)
        case .updated(let id, let email, let role):
            try modify(id, in: &state) { account in
                if let email { account.email = email }
                if let role { account.role = role }
            }
        case .departed(let id, let since):
            try modify(id, in: &state) { $0.state = .departed(since: since) }
        case .softDeleted(let id, let at):
            try modify(id, in: &state) { $0.state = .softDeleted(at: at) }
        case .removed(let id):
            guard state.managed.removeValue(forKey: id) != nil else { throw FakeJournalError("no managed account \(id.rawValue)") }
        case .restoreBlocked(let id, let at):
            try modify(id, in: &state) { account in
                if case .restoreBlocked(let since, let blocker) = account.state {
                    account.state = .restoreBlocked(since: since, blockedBy: blocker)
                } else {
                    account.state = .restoreBlocked(since: at, blockedBy: nil)
                }
            }
        }
    }
}

/// The in-memory journal's refusals.
package struct FakeJournalError: Error, CustomStringConvertible {
    package var description: String

    package init(_ description: String) {
        self.description = description
    }
}
