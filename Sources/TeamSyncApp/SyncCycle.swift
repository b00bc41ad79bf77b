import Foundation
import LDAPDirectory
import Logging
import PoderoAPI
import SyncJournal
import TeamSyncCore

/// One reconciliation: gather (directory, Podero, journal, concurrently) → plan → safety → apply.
package struct SyncCycle: Sendable {
    package var configuration: AppConfiguration
    package var directory: any DirectorySource
    package var provider: any AccountProvider
    package var logger: Logger
    package var shouldStop: @Sendable () -> Bool = { false }

    package init(configuration: AppConfiguration, directory: any DirectorySource, provider: any AccountProvider, logger: Logger) {
        self.configuration = configuration
        self.directory = directory
        self.provider = provider
        self.logger = logger
    }

    /// What `plan` shows.
    package struct Preview: Sendable {
        package var plan: Plan
        /// Why a sync would refuse its departures (empty when it would not).
        package var refusals: [String]
        package var matchedCount: Int
    }

    /// What a sync did.
    package struct Outcome: Sendable {
        package var exitStatus: ExitStatus
        package var summary: String
        package var plan: Plan?
        package var refusals: [String] = []
        package var report: ExecutionReport?
        package var runID: String
        /// Which system failed a fatal run: directory, podero or journal.
        package var errorSystem: String?
    }

    /// Reads everything and plans, writing nothing anywhere.
    package func preview(maxDeletionsOverride: Int? = nil) async throws -> Preview {
        try await gatherAndPlan(journal: SyncJournal.openReadOnly(path: configuration.journalPath), maxDeletionsOverride: maxDeletionsOverride)
    }

    /// Reads the directory, Podero and the journal (concurrently), plans, and checks the plan
    /// against the safety limits. Writes nothing.
    private func gatherAndPlan(journal: SyncJournal?, maxDeletionsOverride: Int?) async throws -> Preview {
        let logger = self.logger
        let now = Date()
        async let snapshot = directory.readSnapshot()
        // Podero's list and the journal are read, and indexed for planning, while the
        // directory is still being read.
        async let accounts = { [provider, planner] in
            async let remote = provider.listAccounts(includeDeleted: false)
            let managed = try await journal?.managedAccounts() ?? []
            let baseline = try await journal?.lastGoodMatchedCount()
            let listed = try await remote
            logger.debug("Podero accounts listed", metadata: ["count": "\(listed.count)", "managed": "\(managed.count)"])
            return (prepared: planner.prepare(remote: listed, managed: managed, now: now), baseline: baseline)
        }()
        let directorySnapshot = try await snapshot
        let (prepared, baseline) = try await accounts
        let plan = planner.plan(directory: directorySnapshot, prepared: prepared)
        logger.debug("planned", metadata: ["actions": "\(plan.actions.count)"])
        let refusals = safety(maxDeletionsOverride).refusals(for: plan, .init(
            matchedCount: directorySnapshot.matchedCount, lastGoodMatchedCount: baseline,
            managedLiveCount: prepared.managedLiveCount))
        let preview = Preview(plan: plan, refusals: refusals, matchedCount: directorySnapshot.matchedCount)
        Self.releaseLater((directorySnapshot, prepared))
        return preview
    }

    /// One sync pass. Never throws: every failure becomes an exit status and a recorded run.
    package func sync(dryRun: Bool, maxDeletionsOverride: Int?, command: String = "sync") async -> Outcome {
        let runID = UUID().uuidString.lowercased()
        let journal: SyncJournal
        do {
            journal = try SyncJournal.open(path: configuration.journalPath)
            if let previous = try await journal.acquireLease(runID: runID, command: command, now: Date()) {
                logger.warning("took over the lease of a run that died", metadata: ["command": "\(previous)"])
            }
        } catch {
            return Outcome(exitStatus: .fatal, summary: "\(error)", runID: runID, errorSystem: "journal")
        }
        let outcome = await run(journal: journal, runID: runID, dryRun: dryRun, maxDeletionsOverride: maxDeletionsOverride, command: command)
        try? await journal.releaseLease(runID: runID)
        return outcome
    }

    private func run(journal: SyncJournal, runID: String, dryRun: Bool, maxDeletionsOverride: Int?, command: String) async -> Outcome {
        let started = Date()
        var matchedCount: Int?
        var directoryComplete = false
        do {
            try await journal.beginRun(runID: runID, command: command, dryRun: dryRun, now: started)
            try await journal.append([AuditRecord(time: started, runID: runID, action: AuditRecord.Event.runStarted,
                outcome: dryRun ? .planned : .ok, reason: dryRun ? "\(command) --dry-run" : command)])
            if !dryRun {
                _ = try await IntentResolver(provider: provider, journal: journal, runID: runID, logger: logger).resolve(now: Date())
            }
            let preview = try await gatherAndPlan(journal: journal, maxDeletionsOverride: maxDeletionsOverride)
            matchedCount = preview.matchedCount
            directoryComplete = true
            var plan = preview.plan
            let refusals = preview.refusals
            if !refusals.isEmpty {
                let refused = plan.actions.filter { $0.kind.isDeparture }.count
                try await journal.append([AuditRecord(time: Date(), runID: runID, action: AuditRecord.Event.safetyRefused,
                    outcome: .refused, reason: refusals.joined(separator: "; ") + "; \(refused) departure actions not applied")])
                logger.error("safety limit: no deletion applied", metadata: ["reasons": "\(refusals.joined(separator: "; "))"])
                plan = plan.withoutDepartures
            }
            try await recordSkips(plan, journal: journal, runID: runID, dryRun: dryRun)
            if !dryRun { try await journal.apply(plan.journalUpdates, now: Date()) }
            var executor = Executor(provider: provider, journal: journal, runID: runID, dryRun: dryRun,
                concurrency: configuration.podero.maxConcurrency * 2, errorBudget: max(10, plan.actions.count / 10), logger: logger)
            executor.shouldStop = shouldStop
            let reporter = ProgressReporter(logger: logger, total: plan.actions.filter { $0.kind != .skip }.count)
            if let reporter {
                executor.progress = { done, total in reporter.update(done: done, total: total) }
            }
            let report = await executor.apply(plan)
            reporter?.finish()
            // A run stopped by its error budget has failures, so `failures > 0` covers it.
            let status: ExitStatus = !refusals.isEmpty ? .safetyRefused : report.failures > 0 ? .partialFailure : .success
            let summary = Summary.line(command: command, dryRun: dryRun, plan: plan, report: report, refusals: refusals, status: status)
            try await finish(journal, runID: runID, status: status, summary: summary, matchedCount: matchedCount,
                complete: directoryComplete, counts: report.flatCounts, dryRun: dryRun)
            return Outcome(exitStatus: status, summary: summary, plan: plan, refusals: refusals, report: report, runID: runID)
        } catch {
            let summary = "\(command): nothing was changed: \(error)"
            logger.error("run failed", metadata: ["error": "\(error)"])
            try? await finish(journal, runID: runID, status: .fatal, summary: summary, matchedCount: matchedCount,
                complete: directoryComplete, counts: [:], dryRun: dryRun)
            return Outcome(exitStatus: .fatal, summary: summary, runID: runID, errorSystem: Self.system(of: error))
        }
    }

    /// Skipped entries are recorded for `status`; the audit log gets one `skip` per new case.
    private func recordSkips(_ plan: Plan, journal: SyncJournal, runID: String, dryRun: Bool) async throws {
        let skips = plan.actions.filter { $0.kind == .skip }
        guard !dryRun else { return }
        let cases = skips.map { action in
            AttentionCase(kind: "skipped", key: action.externalID?.rawValue ?? action.reason, externalID: action.externalID?.rawValue,
                email: action.email, detail: action.reason, since: Date())
        }
        let fresh = try await journal.replaceSkipped(cases, now: Date())
        let records = skips.filter { fresh.contains($0.externalID?.rawValue ?? $0.reason) }.map { action in
            AuditRecord(time: Date(), runID: runID, action: "skip", outcome: .ok, externalUserID: action.externalID?.rawValue,
                poderoUserID: action.poderoID, email: action.email, roleAfter: action.roleAfter?.rawValue, reason: action.reason)
        }
        try await journal.append(records)
    }

    private func finish(_ journal: SyncJournal, runID: String, status: ExitStatus, summary: String, matchedCount: Int?,
                        complete: Bool, counts: [String: Int], dryRun: Bool) async throws {
        let outcome = switch status {
        case .success: "ok"
        case .partialFailure: "partial"
        case .safetyRefused: "refused"
        default: "failed"
        }
        try await journal.append([AuditRecord(time: Date(), runID: runID, action: AuditRecord.Event.runFinished,
            outcome: status == .success ? (dryRun ? .planned : .ok) : status == .safetyRefused ? .refused : .failed, reason: summary)])
        try await journal.finishRun(runID: runID, .init(outcome: outcome, exitCode: status.rawValue, matchedCount: matchedCount,
            directoryComplete: complete, counts: counts, detail: summary), now: Date())
    }

    /// Hands the last reference to `value` to a background task: freeing the inputs of a large
    /// plan (hundreds of thousands of objects) then happens beside the journal writes instead
    /// of before them.
    private static func releaseLater<Value: Sendable>(_ value: Value) {
        Task.detached(priority: .utility) {
            try? await Task.sleep(for: .milliseconds(50))  // until the caller's copies are gone
            withExtendedLifetime(value) {}
        }
    }

    static func system(of error: any Error) -> String {
        switch error {
        case is LDAPError: "directory"
        case is PoderoError: "podero"
        default: "journal"
        }
    }

    private var planner: Planner { Planner(policy: configuration.policy, rules: configuration.rules) }

    private func safety(_ override: Int?) -> SafetyCheck {
        SafetyCheck(maxDeletions: configuration.policy.maxDeletions, maxDeletionPercent: configuration.policy.maxDeletionPercent, override: override)
    }
}
