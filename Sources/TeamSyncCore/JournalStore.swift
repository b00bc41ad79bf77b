import Foundation

/// Port: what the apply side needs of the journal (the SQLite journal, or an in-memory fake).
/// Every method that writes does so in one transaction: all of it is stored or none.
package protocol JournalStore: Sendable {
    /// Takes the run lease, or throws at once when a live run holds it; returns the command of
    /// a dead holder whose lease was taken over.
    func acquireLease(runID: String, command: String, now: Date) async throws -> String?
    /// Gives the lease back (only if this run holds it).
    func releaseLease(runID: String) async throws
    func beginRun(runID: String, command: String, dryRun: Bool, now: Date) async throws
    func finishRun(runID: String, _ end: RunEnd, now: Date) async throws

    /// Every account the journal owns.
    func managedAccounts() async throws -> [ManagedAccount]
    /// Live managed accounts per role and pending departures, without loading the accounts.
    func managedCounts() async throws -> ManagedCounts
    /// The users-filter count of the last real run that was a good read (`RunOutcome.countsAsGoodRead`).
    func lastGoodMatchedCount() async throws -> Int?
    /// Soft deletes that succeeded since `time` (audit records, dry runs excluded): the rolling
    /// window of `sync.max_deletions_per_day`.
    func softDeletes(since time: Date) async throws -> Int

    /// Appends records to the audit log.
    func append(_ records: [AuditRecord]) async throws
    /// Records, before the Podero call, what is about to be done; returns the intent's id.
    func recordIntent(runID: String, action: PlanAction, now: Date) async throws -> Int64
    /// Completes an intent with its account change and audit records.
    func complete(intent: Int64, outcome: IntentOutcome, change: ManagedChange?, audit: [AuditRecord], now: Date) async throws
    /// A journal-only change (adopt, mark_departed) with its audit records.
    func record(_ change: ManagedChange, audit: [AuditRecord], now: Date) async throws
    /// Intents of earlier runs that never completed, oldest first.
    func openIntents() async throws -> [OpenIntent]
    /// Applies the plan's journal-only updates.
    func apply(_ updates: [JournalUpdate], now: Date) async throws
    /// Replaces the recorded skipped entries with this run's; returns the keys that are new.
    func replaceSkipped(_ cases: [AttentionCase], now: Date) async throws -> Set<String>

    // MARK: Watch mode

    /// The managed accounts of these people: by external id, or last read at one of these DNs.
    func managedAccounts(externalIDs: Set<ExternalID>, lastDNs: Set<String>) async throws -> [ManagedAccount]
    /// People who departed (mark_departed or soft_delete that succeeded, dry runs excluded)
    /// since `time`; only in runs of `command` when it is given.
    func departedPeople(since time: Date, command: String?) async throws -> Int
    /// The stored watch cookie, if it belongs to `scope`.
    func watchCookie(scope: String) async throws -> [UInt8]?
    /// Stores the watch cookie, or clears it (nil), on its own (nothing was applied from it).
    func storeWatchCookie(_ cookie: WatchCookie?) async throws
    /// Records how the watch is doing, for `status`.
    func recordWatchStatus(_ status: WatchStatus) async throws
    /// The last recorded watch status.
    func watchStatus() async throws -> WatchStatus?

    // MARK: Departures held for approval by name

    /// The held sets with a person whose case lasts (awaiting, approved and not departed, or
    /// rejected and still departing), oldest first, with all their people.
    func openHeldSets() async throws -> [HeldSet]
    /// Stores a new held set.
    func recordHeldSet(_ set: HeldSet, runID: String) async throws
    /// Records a decision on the people of set `id` that await one (all, or those in `only`),
    /// with an `approved` or `rejected` audit record each, in one transaction; returns the set.
    func decide(heldSet id: String, _ decision: HeldSet.Decision, only: Set<ExternalID>?, by operator: String, now: Date) async throws -> HeldSet
    /// Ends these people's cases in their open sets, with an outcome each.
    func closeHeldCases(_ outcomes: [ExternalID: String], now: Date) async throws
    /// A number that grows with every decision (a running `run` starts a cycle when it does).
    func heldDecisionCount() async throws -> Int
}

/// A Podero call that was announced but whose outcome was never recorded (the process died).
package struct OpenIntent: Sendable, Equatable {
    package var id: Int64
    package var runID: String
    package var action: PlanAction.Kind
    package var externalID: ExternalID?
    package var poderoID: String?
    package var email: String?
    package var role: Role?

    /// Creates an open intent.
    package init(id: Int64, runID: String, action: PlanAction.Kind, externalID: ExternalID?, poderoID: String?, email: String?, role: Role?) {
        self.id = id
        self.runID = runID
        self.action = action
        self.externalID = externalID
        self.poderoID = poderoID
        self.email = email
        self.role = role
    }
}

/// How a run ended.
package struct RunEnd: Sendable, Equatable {
    package var outcome: RunOutcome
    package var exitCode: Int32
    package var matchedCount: Int?
    package var directoryComplete: Bool
    package var counts: [String: Int]
    package var detail: String?
    /// A watch cookie covering what this run applied: stored in the same transaction.
    package var watchCookie: WatchCookie?

    /// Creates a run end.
    package init(outcome: RunOutcome, exitCode: Int32, matchedCount: Int?, directoryComplete: Bool, counts: [String: Int], detail: String?,
                 watchCookie: WatchCookie? = nil) {
        self.watchCookie = watchCookie
        self.outcome = outcome
        self.exitCode = exitCode
        self.matchedCount = matchedCount
        self.directoryComplete = directoryComplete
        self.counts = counts
        self.detail = detail
    }
}

/// Live managed accounts per role, how many wait out their departure grace, and how many cases
/// need a human (`status`'s "Needs a human": blocked restores and skipped directory entries).
package struct ManagedCounts: Sendable, Equatable {
    package var live: [Role: Int]
    package var pendingDepartures: Int
    package var needsAttention: Int

    /// Creates counts.
    package init(live: [Role: Int] = [:], pendingDepartures: Int = 0, needsAttention: Int = 0) {
        self.live = live
        self.pendingDepartures = pendingDepartures
        self.needsAttention = needsAttention
    }

    /// Counts these accounts.
    package init(_ accounts: [ManagedAccount]) {
        self.init()
        for account in accounts {
            if account.state.isLive { live[account.role, default: 0] += 1 }
            if case .departed = account.state { pendingDepartures += 1 }
            if case .restoreBlocked = account.state { needsAttention += 1 }
        }
    }
}

/// A case that needs a human, as `status` shows it.
package struct AttentionCase: Sendable, Equatable {
    /// What kind of case (blocked restores are not stored here: they live in the managed accounts).
    package enum Kind: String, Sendable, CaseIterable {
        /// A directory entry left alone (`Plan.skipped`).
        case skipped
        /// A departure kept because the evidence disagrees (`Plan.held`).
        case departureHeld = "departure_held"
        /// A configured attribute no entry shows (`Diagnostic.Code.attributeUnseen`).
        case attributeUnseen = "attribute_unseen"
    }

    package var kind: Kind
    /// Stable key: the diagnostic's code and the external id, or the normalised DN.
    package var key: String
    package var externalID: String?
    package var email: String?
    package var detail: String
    package var since: Date

    /// Creates a case.
    package init(kind: Kind, key: String, externalID: String?, email: String?, detail: String, since: Date) {
        self.kind = kind
        self.key = key
        self.externalID = externalID
        self.email = email
        self.detail = detail
        self.since = since
    }
}
