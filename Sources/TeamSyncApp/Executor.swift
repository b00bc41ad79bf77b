import Foundation
import Logging
import PoderoAPI
import Synchronization
import SyncJournal
import TeamSyncCore

/// Applies a plan: for each action, intent → Podero call → outcome, account change and audit
/// record in one journal transaction. People are handled concurrently (each person's actions in
/// order); dry-run is decided here and nowhere else; failures spend an error budget.
package struct Executor: Sendable {
    package var provider: any AccountProvider
    package var journal: SyncJournal
    package var runID: String
    package var dryRun: Bool
    package var concurrency: Int
    /// Failures after which no further action is started.
    package var errorBudget: Int
    package var logger: Logger
    /// Checked before each action: a requested stop lets the action in flight finish.
    package var shouldStop: @Sendable () -> Bool = { false }
    package var now: @Sendable () -> Date = { Date() }
    /// Told (done, total) after each action.
    package var progress: (@Sendable (Int, Int) -> Void)?

    package init(provider: any AccountProvider, journal: SyncJournal, runID: String, dryRun: Bool, concurrency: Int, errorBudget: Int, logger: Logger) {
        self.provider = provider
        self.journal = journal
        self.runID = runID
        self.dryRun = dryRun
        self.concurrency = max(1, concurrency)
        self.errorBudget = max(1, errorBudget)
        self.logger = logger
    }

    /// Applies every action but skips (recorded by the caller).
    package func apply(_ plan: Plan) async -> ExecutionReport {
        // One chain per person, in plan order (adopt before update, mark before soft delete).
        var chains: [[PlanAction]] = []
        var chainIndex: [String: Int] = [:]
        for action in plan.actions where action.kind != .skip {
            let key = action.externalID?.rawValue ?? action.email ?? UUID().uuidString
            if let index = chainIndex[key] { chains[index].append(action) } else {
                chainIndex[key] = chains.count
                chains.append([action])
            }
        }
        let state = ReportBox()
        let total = chains.reduce(0) { $0 + $1.count }
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
                }
                if report.stoppedBecause != nil { report.notStarted += chain.count - position }
                return report.stoppedBecause != nil
            }
            if stop { return }
            let outcome = await perform(action)
            let done = state.report.withLock { report -> Int in
                report.count(outcome.action, outcome.outcome.rawValue)
                if outcome.outcome == .failed { report.failures += 1 }
                return report.counts.values.reduce(0) { $0 + $1.values.reduce(0, +) }
            }
            progress?(done, total)
            if outcome.outcome == .failed { return }  // the rest of this person's chain depends on it
        }
    }

    struct Outcome {
        var action: String
        var outcome: AuditRecord.Outcome
    }

    private func perform(_ action: PlanAction) async -> Outcome {
        let now = self.now()
        if dryRun {
            let record = audit(action, .planned, reason: action.reason, at: now)
            try? await journal.append([record])
            return Outcome(action: action.kind.rawValue, outcome: .planned)
        }
        do {
            switch action.kind {
            case .adopt:
                return try await record(action, change: .active(
                    externalID: action.externalID!, poderoID: action.poderoID!, email: action.email ?? "",
                    role: action.roleBefore ?? action.roleAfter ?? .staff, adopted: true), intent: nil, at: now)
            case .markDeparted:
                return try await record(action, change: .departed(externalID: action.externalID!, since: now), intent: nil, at: now)
            case .create, .updateRole, .updateProfile, .softDelete, .hardDelete:
                let intent = try await journal.recordIntent(runID: runID, action: action, now: now)
                return try await call(action, intent: intent)
            case .skip:
                return Outcome(action: "skip", outcome: .ok)
            }
        } catch {
            logger.error("journal write failed", metadata: ["action": "\(action.kind.rawValue)", "error": "\(error)"])
            return Outcome(action: action.kind.rawValue, outcome: .failed)
        }
    }

    /// The Podero call for an action that writes, and its recording.
    private func call(_ action: PlanAction, intent: Int64) async throws -> Outcome {
        let id = action.externalID!
        do {
            switch action.kind {
            case .create:
                let created = try await provider.create(action.newAccount!)
                var done = action
                done.poderoID = created.id
                return try await record(done, change: .active(externalID: id, poderoID: created.id, email: created.email,
                    role: action.roleAfter ?? .staff, adopted: false), intent: intent, at: now())
            case .updateRole, .updateProfile:
                let changes = action.changes ?? AccountChanges()
                _ = try await provider.update(id: action.poderoID!, changes)
                return try await record(action, change: .updated(externalID: id, email: changes.email, role: changes.role), intent: intent, at: now())
            case .softDelete:
                try await deleteTolerantly(action.poderoID!, soft: true)
                return try await record(action, change: .softDeleted(externalID: id, at: now()), intent: intent, at: now())
            case .hardDelete:
                try await deleteTolerantly(action.poderoID!, soft: false)
                return try await record(action, change: .removed(externalID: id), intent: intent, at: now())
            default:
                return Outcome(action: action.kind.rawValue, outcome: .ok)
            }
        } catch let error as PoderoError {
            if action.kind == .create, case .duplicate = error.kind, action.isRestore {
                let blocked = audit(action, .refused, reason: "\(action.reason); Podero refused: the soft-deleted account still holds the e-mail or external id (restore_blocked)", at: now(), name: AuditRecord.Event.restoreBlocked)
                try await journal.complete(intent: intent, outcome: "refused", change: .restoreBlocked(externalID: id, at: now()), audit: [blocked], now: now())
                logger.warning("restore blocked", metadata: ["external_user_id": "\(id)"])
                return Outcome(action: AuditRecord.Event.restoreBlocked, outcome: .refused)
            }
            let failed = audit(action, .failed, reason: "\(action.reason); \(error)", at: now())
            try await journal.complete(intent: intent, outcome: "failed", change: nil, audit: [failed], now: now())
            logger.error("action failed", metadata: ["action": "\(action.kind.rawValue)", "external_user_id": "\(id)", "error": "\(error)"])
            return Outcome(action: action.kind.rawValue, outcome: .failed)
        }
    }

    /// A delete whose account is already gone counts as done.
    private func deleteTolerantly(_ id: String, soft: Bool) async throws {
        do {
            try await provider.delete(id: id, soft: soft)
        } catch let error as PoderoError where error.kind == .notFound {
            logger.notice("account already gone in Podero", metadata: ["podero_user_id": "\(id)"])
        }
    }

    private func record(_ action: PlanAction, change: ManagedChange, intent: Int64?, at time: Date) async throws -> Outcome {
        try await journal.complete(intent: intent, outcome: "ok", change: change, audit: [audit(action, .ok, reason: action.reason, at: time)], now: time)
        logger.info("\(action.kind.rawValue)", metadata: ["external_user_id": "\(action.externalID?.rawValue ?? "-")"])
        return Outcome(action: action.kind.rawValue, outcome: .ok)
    }

    func audit(_ action: PlanAction, _ outcome: AuditRecord.Outcome, reason: String, at time: Date, name: String? = nil) -> AuditRecord {
        AuditRecord(
            time: time, runID: runID, action: name ?? action.kind.rawValue, outcome: outcome,
            externalUserID: action.externalID?.rawValue, poderoUserID: action.poderoID, email: action.email,
            roleBefore: action.roleBefore?.rawValue, roleAfter: action.roleAfter?.rawValue, reason: reason)
    }
}

/// The report shared by the tasks of one `apply`.
final class ReportBox: Sendable {
    let report = Mutex(ExecutionReport())
}
