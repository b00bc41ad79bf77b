import Foundation
import Logging
import Synchronization
import TeamSyncCore

/// Applies a plan: skipped people and journal-only updates are recorded, then for each action:
/// intent → provider call → outcome, account change and audit record in one journal write.
/// People are handled concurrently (each person's actions in order, a failure ending that
/// person's chain); failures spend an error budget; a requested stop lets the actions in flight
/// finish. Dry-run is decided here and nowhere else.
package struct Executor: Sendable {
    package var provider: any AccountProvider
    package var journal: any JournalStore
    package var runID: String
    package var dryRun: Bool
    package var concurrency: Int
    /// Failures after which no further action is started.
    package var errorBudget: Int
    package var logger: Logger
    /// Checked before each action: a requested stop lets the action in flight finish.
    package var shouldStop: @Sendable () -> Bool = { false }
    /// No action is started after this instant (`sync.max_run_time`), named in the report.
    package var deadline: (instant: ContinuousClock.Instant, name: String)?
    package var now: @Sendable () -> Date = { Date() }
    /// Told (done, total) after each action.
    package var progress: (@Sendable (Int, Int) -> Void)?
    /// False for a watch batch: it sees a few people, so it must not replace the attention
    /// cases a complete read recorded (the next reconcile does).
    package var recordsAttentionCases = true

    package init(
        provider: any AccountProvider, journal: any JournalStore, runID: String, dryRun: Bool, concurrency: Int, errorBudget: Int,
        logger: Logger
    ) {
        self.provider = provider
        self.journal = journal
        self.runID = runID
        self.dryRun = dryRun
        self.concurrency = max(1, concurrency)
        self.errorBudget = max(1, errorBudget)
        self.logger = logger
    }

    /// Before planning: settles the intents a killed run left open (never in a dry run, which
    /// writes nothing but its `planned` records). Returns how many were confirmed as done.
    package func settleInterruptedActions() async throws -> Int {
        guard !dryRun else { return 0 }
        return try await IntentResolver(provider: provider, journal: journal, runID: runID, logger: logger).resolve(now: now())
    }

    /// Applies the plan. Throws only when the journal fails before any action was started;
    /// a failed action is counted in the report instead.
    package func apply(_ plan: Plan) async throws -> ExecutionReport {
        guard !dryRun else { return try await recordPlanned(plan) }
        if recordsAttentionCases { try await recordCases(plan) }
        try await journal.apply(plan.journalUpdates.filter { !$0.followsActions }, now: now())
        let report = await applyActions(plan.actions)
        let following = plan.journalUpdates.filter(\.followsActions)
        if !following.isEmpty {
            do {
                try await journal.apply(following, now: now())
            } catch {
                logger.warning("the DNs people were read at could not be recorded; the next run records them", metadata: ["error": "\(error)"])
            }
        }
        return report
    }

    /// Dry run: every action is recorded as `planned`; nothing else is written.
    private func recordPlanned(_ plan: Plan) async throws -> ExecutionReport {
        var report = ExecutionReport()
        let time = now()
        try await journal.append(plan.actions.map { audit($0, .planned, at: time) })
        for action in plan.actions { report.count(action.kind.auditAction, .planned) }
        return report
    }

    /// Skipped people and held departures are recorded for `status`; the audit log gets one
    /// `skip` per new case.
    private func recordCases(_ plan: Plan) async throws {
        let time = now()
        let skipped = plan.skipped
        var cases = skipped.map { entry in
            AttentionCase(kind: .skipped, key: entry.key, externalID: entry.externalID?.rawValue, email: entry.email?.value,
                detail: entry.detail, since: time)
        }
        cases += plan.held.map { held in
            AttentionCase(kind: .departureHeld, key: held.key, externalID: held.account.externalID.rawValue, email: held.account.email,
                detail: held.detail, since: time)
        }
        cases += plan.diagnostics.filter { $0.code == .attributeUnseen }.map { diagnostic in
            AttentionCase(kind: .attributeUnseen, key: "\(diagnostic.code.rawValue):\(diagnostic.entry)", externalID: nil, email: nil,
                detail: "\(diagnostic.entry): \(diagnostic.message)", since: time)
        }
        let fresh = try await journal.replaceSkipped(cases, now: time)
        var records = skipped.filter { fresh.contains($0.key) }.map { entry in
            AuditRecord(time: time, runID: runID, action: .skip, outcome: .ok, externalUserID: entry.externalID?.rawValue,
                poderoUserID: entry.poderoID, email: entry.email?.value, roleAfter: entry.role?.rawValue, reason: entry.detail)
        }
        records += plan.held.filter { fresh.contains($0.key) }.map { held in
            AuditRecord(time: time, runID: runID, action: .skip, outcome: .refused, externalUserID: held.account.externalID.rawValue,
                poderoUserID: held.account.poderoID, email: held.account.email, roleBefore: held.account.role.rawValue,
                reason: "departure held: \(held.detail)")
        }
        try await journal.append(records)
    }

    private func applyActions(_ actions: [PlanAction]) async -> ExecutionReport {
        // One chain per person, in plan order (adopt before update, mark before soft delete).
        var chains: [[PlanAction]] = []
        var chainIndex: [ExternalID: Int] = [:]
        for action in actions {
            if let index = chainIndex[action.person] { chains[index].append(action) } else {
                chainIndex[action.person] = chains.count
                chains.append([action])
            }
        }
        let state = ReportBox()
        let total = actions.count
        await withTaskGroup(of: Void.self) { group in
            var next = 0
            func startNext() {
                guard next < chains.count else { return }
                let chain = chains[next]
                next += 1
                group.addTask { await self.run(chain, state, total: total) }
            }
            for _ in 0..<min(concurrency, chains.count) { startNext() }
            while await group.next() != nil { startNext() }
        }
        return state.report.withLock { $0 }
    }

    private func run(_ chain: [PlanAction], _ state: ReportBox, total: Int) async {
        for (position, action) in chain.enumerated() {
            let stop = state.report.withLock { report -> Bool in
                if report.failures >= errorBudget {
                    report.stoppedBecause = report.stoppedBecause ?? "\(report.failures) actions failed, the error budget of this run"
                } else if shouldStop() {
                    report.stoppedBecause = report.stoppedBecause ?? "a stop was requested"
                } else if let deadline, ContinuousClock.now >= deadline.instant {
                    report.ranOutOfTime = true
                    report.stoppedBecause = report.stoppedBecause ?? "the run reached \(deadline.name)"
                }
                if report.stoppedBecause != nil { report.notStarted += chain.count - position }
                return report.stoppedBecause != nil
            }
            if stop { return }
            let (event, outcome, journalFailure) = await perform(action)
            let done = state.report.withLock { report -> Int in
                report.count(event, outcome)
                if outcome == .failed { report.failures += 1 }
                switch journalFailure {
                case .none: break
                case .beforeCall(let error):
                    report.stoppedBecause = report.stoppedBecause ?? "the journal cannot be written: \(error)"
                case .afterCall(let error):
                    report.unrecorded += 1
                    report.stoppedBecause = report.stoppedBecause ?? "the journal cannot be written: \(error)"
                }
                return report.done
            }
            progress?(done, total)
            Heartbeat.process.beat()
            if outcome == .failed { return }  // the rest of this person's chain depends on it
        }
    }

    /// How the journal failed an action: before the call (nothing was sent) or after Podero
    /// carried it out (the intent stays open for the next run to settle).
    enum JournalFailure {
        case beforeCall(any Error)
        case afterCall(any Error)
    }

    /// The journal failed after Podero carried out the call.
    struct UnrecordedCall: Error {
        var underlying: any Error
    }

    /// Applies one action; returns the audit action and outcome it was recorded with, and how
    /// the journal failed, if it did. Any journal failure stops the run: a full disk fails every
    /// later write too.
    private func perform(_ action: PlanAction) async -> (AuditAction, AuditOutcome, JournalFailure?) {
        let time = now()
        let event = action.kind.auditAction
        let id = action.person
        do {
            switch action.change {
            case .adopt(let poderoID, let current, _):
                try await journal.record(
                    .active(externalID: id, poderoID: poderoID, email: action.email, role: current, adopted: true),
                    audit: [audit(action, .ok, at: time)], now: time)
            case .markDeparted:
                try await journal.record(.departed(externalID: id, since: time), audit: [audit(action, .ok, at: time)], now: time)
            case .create(let account, _):
                return try await write(action) {
                    let created = try await provider.create(account)
                    return (.active(externalID: id, poderoID: created.id, email: created.email, role: account.role, adopted: false), created.id)
                }
            case .updateRole(let poderoID, _, let role):
                return try await write(action) {
                    _ = try await provider.update(id: poderoID, AccountChanges(role: role))
                    return (.updated(externalID: id, email: nil, role: role), nil)
                }
            case .updateProfile(let poderoID, let changes, _, _):
                return try await write(action) {
                    _ = try await provider.update(id: poderoID, changes)
                    return (.updated(externalID: id, email: changes.email, role: nil), nil)
                }
            case .softDelete(let account):
                if let refusal = await liveDisagreement(account) {
                    try await journal.append([audit(action, .refused, at: time, reason: "\(action.reason); not deleted: \(refusal)")])
                    logger.error("soft delete refused", metadata: ["external_user_id": "\(id)", "reason": "\(refusal)"])
                    return (event, .failed, nil)
                }
                return try await write(action) {
                    try await deleteTolerantly(account.poderoID, soft: true)
                    return (.softDeleted(externalID: id, at: now()), nil)
                }
            case .hardDelete(let account):
                return try await write(action) {
                    try await deleteTolerantly(account.poderoID, soft: false)
                    return (.removed(externalID: id), nil)
                }
            }
            logger.info("\(event.rawValue)", metadata: ["external_user_id": "\(id)"])
            return (event, .ok, nil)
        } catch let unrecorded as UnrecordedCall {
            logger.error("done in Podero, but the journal cannot record it; the next run settles it from its intent",
                metadata: ["action": "\(event.rawValue)", "external_user_id": "\(id)", "error": "\(unrecorded.underlying)"])
            return (event, .failed, .afterCall(unrecorded.underlying))
        } catch {
            logger.error("journal write failed; nothing was sent", metadata: ["action": "\(event.rawValue)", "error": "\(error)"])
            return (event, .failed, .beforeCall(error))
        }
    }

    /// A provider write: intent first, then the call, then its outcome with the account change
    /// (`call` returns the change and, for a create, the new account's id). Throws only when
    /// the journal cannot record.
    private func write(
        _ action: PlanAction, _ call: () async throws -> (ManagedChange, poderoID: String?)
    ) async throws -> (AuditAction, AuditOutcome, JournalFailure?) {
        let intent = try await journal.recordIntent(runID: runID, action: action, now: now())
        let change: ManagedChange
        let poderoID: String?
        do {
            (change, poderoID) = try await call()
        } catch {
            do {
                let (event, outcome) = try await failed(action, intent: intent, error: error)
                return (event, outcome, nil)
            } catch {
                throw UnrecordedCall(underlying: error)  // the call failed, but its outcome may still be unknown
            }
        }
        let time = now()
        do {
            try await journal.complete(intent: intent, outcome: .ok, change: change, audit: [audit(action, .ok, at: time, poderoID: poderoID)], now: time)
        } catch {
            throw UnrecordedCall(underlying: error)
        }
        logger.info("\(action.kind.rawValue)", metadata: ["external_user_id": "\(action.person)"])
        return (action.kind.auditAction, .ok, nil)
    }

    /// Records a failed call: a restore that Podero refuses because the old account still holds
    /// the e-mail or id becomes `restore_blocked`; anything else is a failure.
    private func failed(_ action: PlanAction, intent: Int64, error: any Error) async throws -> (AuditAction, AuditOutcome) {
        let failure = (error as? any AccountProviderError)?.failure
        if action.isRestore, case .duplicate = failure {
            let time = now()
            let blocked = audit(action, .refused, at: time, event: .restoreBlocked,
                reason: "\(action.reason); Podero refused: the soft-deleted account still holds the e-mail or external id (restore_blocked)")
            try await journal.complete(intent: intent, outcome: .refused, change: .restoreBlocked(externalID: action.person, at: time), audit: [blocked], now: time)
            logger.warning("restore blocked", metadata: ["external_user_id": "\(action.person)"])
            return (.restoreBlocked, .refused)
        }
        let record = audit(action, .failed, at: now(), reason: "\(action.reason); \(error)")
        try await journal.complete(intent: intent, outcome: .failed, change: nil, audit: [record], now: now())
        logger.error("action failed", metadata: ["action": "\(action.kind.rawValue)", "external_user_id": "\(action.person)", "error": "\(error)"])
        return (action.kind.auditAction, .failed)
    }

    /// Right before a soft delete, the live account is read again: it must still carry the
    /// journal's external id and a team role (the plan's list may be minutes old). Nil when it
    /// agrees or is gone (the delete is then tolerated); a failed read refuses too.
    private func liveDisagreement(_ account: ManagedAccount) async -> String? {
        do {
            guard let live = try await provider.account(id: account.poderoID) else { return nil }
            return account.disagreement(with: live)
        } catch {
            return "the Podero account \(account.poderoID) could not be read first (\(error))"
        }
    }

    /// A delete whose account is already gone counts as done.
    private func deleteTolerantly(_ id: String, soft: Bool) async throws {
        do {
            try await provider.delete(id: id, soft: soft)
        } catch let error as any AccountProviderError where error.failure == .notFound {
            logger.notice("account already gone in Podero", metadata: ["podero_user_id": "\(id)"])
        }
    }

    func audit(
        _ action: PlanAction, _ outcome: AuditOutcome, at time: Date, event: AuditAction? = nil, poderoID: String? = nil, reason: String? = nil
    ) -> AuditRecord {
        AuditRecord(
            time: time, runID: runID, action: event ?? action.kind.auditAction, outcome: outcome,
            externalUserID: action.person.rawValue, poderoUserID: poderoID ?? action.poderoID, email: action.email,
            roleBefore: action.roleBefore?.rawValue, roleAfter: action.roleAfter?.rawValue, reason: reason ?? action.reason)
    }
}

/// The report shared by the tasks of one `apply`.
final class ReportBox: Sendable {
    let report = Mutex(ExecutionReport())
}
