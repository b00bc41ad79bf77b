import Foundation
import LDAPDirectory
import Logging
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
        /// The groups read (for a watch's replica), when the read resolved nesting itself.
        package var groups: GroupGraph?
        /// Departures a human approved by name (`approve`) that go ahead whatever the counting
        /// limits say, each with its note; their actions are in `plan`.
        package var approved: [ExternalID: String] = [:]
        /// The journal's view of held sets when the plan was made.
        package var held = HeldDepartures()
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
        /// Managed accounts after the run, when the journal could tell (for the metrics).
        package var managed: ManagedCounts?
        /// The groups of a complete directory read (for a watch's replica).
        package var groups: GroupGraph?
        /// The held set this run made of its refused departures, if any.
        package var held: HeldSet?

        /// How the journal records the run.
        package var runOutcome: RunOutcome { RunOutcome(exitStatus) }
    }

    /// Reads everything and plans, writing nothing anywhere. `journal` is nil before the first sync.
    package func preview(journal: (any JournalStore)?, maxDeletionsOverride: Int? = nil) async throws -> Preview {
        try await gatherAndPlan(journal: journal, maxDeletionsOverride: maxDeletionsOverride)
    }

    /// Reads the directory, Podero and the journal (concurrently), plans, and checks the plan
    /// against the safety limits. Writes nothing.
    private func gatherAndPlan(journal: (any JournalStore)?, maxDeletionsOverride: Int?, listed: ListedDepartures? = nil) async throws -> Preview {
        let logger = self.logger
        let now = Date()
        async let snapshot = directory.readSnapshot()
        // The journal and Podero's list are read, and indexed for planning, while the directory
        // is still being read. Soft-deleted accounts are listed (once) only when a blocked
        // restore needs to know whether its blocker is gone.
        let purgeAfter = configuration.policy.hardDeleteAfter
        let maxMissingPercent = configuration.policy.maxDeletionPercent
        let maxMissing = configuration.policy.maxDeletions
        let interval = configuration.interval
        async let accounts = { [provider, planner] in
            let held = HeldDepartures(try await journal?.openHeldSets() ?? [])
            let managed = try await journal?.managedAccounts() ?? []
            let baseline = try await journal?.lastGoodMatchedCount()
            let recentDeletes = try await journal?.softDeletes(since: now.addingTimeInterval(-86_400)) ?? 0
            // Departures a directory watch applied count against this run's limits: the limits
            // hold over any window of one sync.interval.
            let watchDepartures = try await journal?.departedPeople(since: now.addingTimeInterval(-interval.timeInterval), command: "watch") ?? 0
            // Soft-deleted accounts are listed too when a blocked restore needs to know whether
            // its blocker is gone, or when a hard delete may be due (it must match the account).
            let includeDeleted = managed.contains { account in
                switch account.state {
                case .restoreBlocked: true
                case .softDeleted(let at): purgeAfter.map { now.timeIntervalSince(at) >= $0.timeInterval } ?? false
                default: false
                }
            }
            let listed = try await provider.listAccounts(includeDeleted: includeDeleted)
            logger.debug("Podero accounts listed", metadata: ["count": "\(listed.count)", "managed": "\(managed.count)"])
            try await RemoteListCheck(provider: provider, maxMissingPercent: maxMissingPercent, maxMissing: maxMissing).check(listed: listed, managed: managed)
            let prepared = planner.prepare(remote: listed, includesDeleted: includeDeleted, managed: managed, now: now)
            return (prepared: prepared, baseline: baseline, recentDeletes: recentDeletes, watchDepartures: watchDepartures, held: held)
        }()
        let directorySnapshot = try await snapshot
        let (prepared, baseline, recentDeletes, watchDepartures, held) = try await accounts
        var plan = planner.plan(directory: directorySnapshot, prepared: prepared)
        logger.debug("planned", metadata: ["actions": "\(plan.actions.count)"])
        let input = SafetyCheck.Input(
            matchedCount: directorySnapshot.matchedCount, lastGoodMatchedCount: baseline,
            managedLiveCount: prepared.managedLiveCount, softDeletesLastDay: recentDeletes, departedInWindow: watchDepartures)
        // Departures approved by name are not counted against the limits; an empty or
        // ambiguous read refuses every departure, approved or listed ones too.
        let check = safety(maxDeletionsOverride)
        let due = plan.departingPeople
        let untrusted = check.untrustedRead(plan, input)
        var approved = held.approved(in: plan, untrusted: !untrusted.isEmpty)
        let refusals: [String]
        if let listed {
            // sync --plan FILE: the departures the file lists, still due with the same Podero
            // account, go; no other departure does.
            let still = Set(plan.actions.filter { $0.kind.isDeparture && $0.poderoID != nil && listed.accounts[$0.person] == $0.poderoID }.map(\.person))
            approved = untrusted.isEmpty ? Dictionary(uniqueKeysWithValues: still.map { ($0, listed.note) }) : [:]
            let left = due.subtracting(still).count
            if left > 0 { logger.notice("departures not in the plan file are left for a later sync", metadata: ["count": "\(left)"]) }
            plan = plan.keepingDepartures(of: still)
            refusals = untrusted
        } else {
            refusals = untrusted.isEmpty ? check.refusals(for: plan.removingDepartures(of: Set(approved.keys)), input) : untrusted
        }
        plan = plan.notingApprovals(approved)
        var preview = Preview(plan: plan, refusals: refusals, matchedCount: directorySnapshot.matchedCount, groups: directorySnapshot.groups)
        preview.approved = approved
        preview.held = held
        return preview
    }

    /// One sync pass. Never throws: every failure becomes an exit status and a recorded run.
    /// `listed`: `sync --plan FILE`'s departures, the only ones this run may apply.
    package func sync(journal: any JournalStore, dryRun: Bool, maxDeletionsOverride: Int?, command: String = "sync",
                      listed: ListedDepartures? = nil) async -> Outcome {
        let runID = UUID().uuidString.lowercased()
        do {
            if let previous = try await journal.acquireLease(runID: runID, command: command, now: Date()) {
                logger.warning("took over the lease of a run that died", metadata: ["command": "\(previous)"])
            }
        } catch {
            return Outcome(exitStatus: .fatal, summary: "\(error)", runID: runID, errorSystem: "journal")
        }
        let outcome = await run(journal: journal, runID: runID, dryRun: dryRun, maxDeletionsOverride: maxDeletionsOverride, command: command,
            listed: listed)
        try? await journal.releaseLease(runID: runID)
        return outcome
    }

    private func run(journal: any JournalStore, runID: String, dryRun: Bool, maxDeletionsOverride: Int?, command: String,
                     listed: ListedDepartures?) async -> Outcome {
        let started = Date()
        let deadline = ContinuousClock.now + configuration.maxRunTime
        let limitName = "sync.max_run_time (\(DurationText.format(configuration.maxRunTime)))"
        var matchedCount: Int?
        var directoryComplete = false
        var executor = Executor(provider: provider, journal: journal, runID: runID, dryRun: dryRun,
            concurrency: configuration.podero.maxConcurrency * 2, errorBudget: 10, logger: logger)
        executor.shouldStop = shouldStop
        executor.deadline = (deadline, limitName)
        var applied: (plan: Plan, report: ExecutionReport, refusals: [String])?
        do {
            try await journal.beginRun(runID: runID, command: command, dryRun: dryRun, now: started)
            try await journal.append([AuditRecord(time: started, runID: runID, action: .runStarted,
                outcome: dryRun ? .planned : .ok, reason: dryRun ? "\(command) --dry-run" : command)])
            _ = try await executor.settleInterruptedActions()
            let preview = try await gatherAndPlan(journal: journal, maxDeletionsOverride: maxDeletionsOverride, listed: listed)
            guard ContinuousClock.now < deadline else { throw RunTimeExceeded(limit: limitName) }
            matchedCount = preview.matchedCount
            directoryComplete = true
            var plan = preview.plan
            let refusals = preview.refusals
            let approved = Set(preview.approved.keys)
            var heldSet: HeldSet?
            if !refusals.isEmpty {
                let refused = plan.actions.filter { $0.kind.isDeparture && !approved.contains($0.person) }.count
                var reason = refusals.joined(separator: "; ") + "; \(refused) departure actions not applied"
                if !dryRun, let set = try await hold(plan.removingDepartures(of: approved), preview, journal: journal, runID: runID) {
                    heldSet = set
                    reason += "; " + set.refusalNote
                }
                try await journal.append([AuditRecord(time: Date(), runID: runID, action: .safetyRefused, outcome: .refused, reason: reason)])
                logger.error("safety limit: no deletion applied", metadata: ["reasons": "\(refusals.joined(separator: "; "))"])
                plan = plan.keepingDepartures(of: approved)
            }
            if !approved.isEmpty {
                logger.notice("departures approved by name go ahead", metadata: ["count": "\(approved.count)"])
            }
            executor.errorBudget = max(10, plan.actions.count / 10)
            let reporter = ProgressReporter(logger: logger, total: plan.actions.count)
            if let reporter {
                executor.progress = { done, total in reporter.update(done: done, total: total) }
            }
            let report = try await executor.apply(plan)
            applied = (plan, report, refusals)
            reporter?.finish()
            if !dryRun { try await settleHeldCases(preview, journal: journal) }
            // A run stopped by its error budget has failures, so `failures > 0` covers it.
            let status: ExitStatus = !refusals.isEmpty ? .safetyRefused
                : report.failures > 0 || report.ranOutOfTime ? .partialFailure : .success
            let summary = Summary.line(command: command, dryRun: dryRun, plan: plan, report: report, refusals: refusals, status: status)
            try await finish(journal, runID: runID, status: status, summary: summary, matchedCount: matchedCount,
                complete: directoryComplete, counts: report.flatCounts, dryRun: dryRun)
            return Outcome(exitStatus: status, summary: summary, plan: plan, refusals: refusals, report: report, runID: runID,
                managed: try? await journal.managedCounts(), groups: preview.groups, held: heldSet)
        } catch {
            if let applied {
                // Actions were applied; only recording the run's end failed (a full disk).
                var summary = Summary.line(command: command, dryRun: dryRun, plan: applied.plan, report: applied.report,
                    refusals: applied.refusals, status: .partialFailure)
                summary += "; the end of the run could not be recorded: \(error)"
                logger.error("run end not recorded", metadata: ["error": "\(error)"])
                return Outcome(exitStatus: .partialFailure, summary: summary, plan: applied.plan, refusals: applied.refusals,
                    report: applied.report, runID: runID, errorSystem: "journal")
            }
            let summary = "\(command): nothing was changed: \(error)"
            logger.error("run failed", metadata: ["error": "\(error)"])
            try? await finish(journal, runID: runID, status: .fatal, summary: summary, matchedCount: matchedCount,
                complete: directoryComplete, counts: [:], dryRun: dryRun)
            return Outcome(exitStatus: .fatal, summary: summary, runID: runID, errorSystem: Self.system(of: error),
                managed: try? await journal.managedCounts())
        }
    }

    private func finish(_ journal: any JournalStore, runID: String, status: ExitStatus, summary: String, matchedCount: Int?,
                        complete: Bool, counts: [String: Int], dryRun: Bool) async throws {
        let outcome: AuditOutcome = switch status {
        case .success: dryRun ? .planned : .ok
        case .safetyRefused: .refused
        default: .failed
        }
        try await journal.append([AuditRecord(time: Date(), runID: runID, action: .runFinished, outcome: outcome, reason: summary)])
        try await journal.finishRun(runID: runID, RunEnd(outcome: RunOutcome(status), exitCode: status.rawValue, matchedCount: matchedCount,
            directoryComplete: complete, counts: counts, detail: summary), now: Date())
    }

    static func system(of error: any Error) -> String {
        switch error {
        case is LDAPError: "directory"
        case is any AccountProviderError, is RemoteListCheck.Incomplete: "podero"
        default: "journal"
        }
    }

    /// Keeps the refused departures of people in no open held set as a new held set; nil when
    /// there is none to keep, or the read is not to be trusted (nobody is offered for approval
    /// on an empty or ambiguous read).
    private func hold(_ refusedPlan: Plan, _ preview: Preview, journal: any JournalStore, runID: String) async throws -> HeldSet? {
        guard preview.matchedCount > 0, refusedPlan.unidentified.isEmpty else { return nil }
        return try await HeldSet.keep(refusedPlan.actions, known: preview.held.known, reason: preview.refusals.joined(separator: "; "),
            journal: journal, runID: runID, logger: logger)
    }

    /// Ends the held cases that are over: the person departed (soft-deleted, or gone from the
    /// journal), or is back in the directory (no departure due and not waiting out a grace).
    private func settleHeldCases(_ preview: Preview, journal: any JournalStore) async throws {
        guard !preview.held.known.isEmpty else { return }
        let due = preview.plan.departingPeople
        let accounts = try await journal.managedAccounts(externalIDs: preview.held.known, lastDNs: [])
        let byID = Dictionary(accounts.map { ($0.externalID, $0) }, uniquingKeysWith: { first, _ in first })
        var outcomes: [ExternalID: String] = [:]
        for person in preview.held.known {
            switch byID[person]?.state {
            case nil, .softDeleted, .restoreBlocked: outcomes[person] = "departed"
            case .active where !due.contains(person): outcomes[person] = "no longer departing (back in the directory); not touched"
            case .active, .departed: break
            }
        }
        try await journal.closeHeldCases(outcomes, now: Date())
    }

    private var planner: Planner { Planner(policy: configuration.policy, rules: configuration.rules) }

    private func safety(_ override: Int?) -> SafetyCheck {
        SafetyCheck(maxDeletions: configuration.policy.maxDeletions, maxDeletionPercent: configuration.policy.maxDeletionPercent,
            maxDeletionsPerDay: configuration.policy.maxDeletionsPerDay, override: override)
    }
}

extension RunOutcome {
    /// The outcome a run with this exit status records.
    package init(_ status: ExitStatus) {
        switch status {
        case .success, .drift: self = .ok
        case .partialFailure: self = .partial
        case .safetyRefused: self = .refused
        case .fatal, .usage, .configuration: self = .failed
        }
    }
}

/// The reads took longer than `sync.max_run_time`: the run fails before any write.
struct RunTimeExceeded: Error, CustomStringConvertible {
    var limit: String
    var description: String { "reading the directory and Podero took longer than \(limit); nothing was written" }
}
