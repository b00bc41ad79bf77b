import Foundation
import LDAPDirectory
import Logging
import TeamSyncCore

/// One batch of directory changes from a watch: only the people they touch are read (from the
/// directory, afresh), looked up in the journal and in Podero (by external id and by id, never
/// the whole list), planned by the same planner and applied by the same executor, with the
/// deletion guards held over a window of one `sync.interval` (`DeletionWindow`).
package struct ChangeSync: Sendable {
    package var configuration: AppConfiguration
    package var reader: WatchReader
    package var provider: any AccountProvider
    package var journal: any JournalStore
    package var logger: Logger
    package var shouldStop: @Sendable () -> Bool = { false }
    /// The attribute a watch names departed entries by (entryUUID for syncrepl, objectGUID for DirSync).
    package var idAttribute = "entryUUID"
    /// DNs people were read at by recent batches (a rename, then a move, can both come before
    /// the groups are rewritten): their roles are kept too until the groups name the new DN.
    package var recentDNs: [ExternalID: [String]] = [:]

    package init(configuration: AppConfiguration, reader: WatchReader, provider: any AccountProvider, journal: any JournalStore, logger: Logger) {
        self.configuration = configuration
        self.reader = reader
        self.provider = provider
        self.journal = journal
        self.logger = logger
    }

    /// What a batch did.
    package struct Outcome: Sendable {
        package enum Result: Sendable {
            /// Applied (or nothing to do); the cookie is stored.
            case applied(ExitStatus, summary: String?)
            /// Only a complete read can answer; nothing was written and the cookie is not stored.
            case fullReadNeeded(String)
            /// Reading or the journal failed before any action; nothing was written.
            case failed(String, system: String)
        }

        package var result: Result
        /// The batch's run, when it wrote one to the journal.
        package var runID: String?
        /// Departures the window kept back (the people), and why.
        package var refused: [ExternalID] = []
        package var refusalReason: String?
        /// The held set this batch made of its refused departures, if any.
        package var held: HeldSet?
        package var report: ExecutionReport?
        package var actions = 0
        /// What planning learnt besides the plan.
        package var facts = Facts()
    }

    /// What a batch learnt while planning, besides the plan.
    package struct Facts: Sendable {
        /// Everyone this batch planned (read, or managed and looked up).
        package var planned: Set<ExternalID> = []
        /// The DNs to remember for each person read: the earlier ones whose roles were kept,
        /// then where this batch read them.
        package var readDNs: [ExternalID: [String]] = [:]
        /// DNs people were at and are no longer (renamed, moved, deleted), with where they went
        /// (nil: gone): the groups that still list them are asked again shortly (`WatchEngine`),
        /// because slapd's refint rewrites them later and syncprov does not report that rewrite.
        package var leftDNs: [DistinguishedName: DistinguishedName?] = [:]
        /// Changed groups read whole, and read from the accesslog.
        package var groupsReadWhole = 0
        package var groupsFromLog = 0
        package var groupValuesChecked = 0
    }

    /// Plans and applies `changes`. `recordRefusal` says whether a refusal is recorded in the
    /// audit log (once per window). Never throws.
    package func apply(_ changes: [DirectoryChange], cookie: WatchCookie?, replica: ReplicaBox, recordRefusal: Bool) async -> Outcome {
        let runID = UUID().uuidString.lowercased()
        do {
            _ = try await journal.acquireLease(runID: runID, command: "watch", now: Date())
        } catch {
            return Outcome(result: .failed("\(error)", system: "journal"))
        }
        let outcome = await applyHoldingLease(changes, cookie: cookie, replica: replica, runID: runID, recordRefusal: recordRefusal)
        try? await journal.releaseLease(runID: runID)
        return outcome
    }

    private func applyHoldingLease(_ changes: [DirectoryChange], cookie: WatchCookie?, replica: ReplicaBox, runID: String,
                                   recordRefusal: Bool) async -> Outcome {
        let now = Date()
        var plan: Plan
        let facts: Facts
        do {
            switch try await self.plan(changes, replica: replica, now: now) {
            case .fullRead(let reason): return Outcome(result: .fullReadNeeded(reason))
            case .plan(let made, let learnt): (plan, facts) = (made, learnt)
            }
        } catch {
            return Outcome(result: .failed("\(error)", system: SyncCycle.system(of: error)))
        }
        for entry in plan.skipped { logger.notice("skipped", metadata: ["entry": "\(entry.detail)"]) }
        for held in plan.held { logger.notice("departure held", metadata: ["external_user_id": "\(held.account.externalID)", "why": "\(held.detail)"]) }
        guard !plan.actions.isEmpty || !plan.journalUpdates.isEmpty else {
            do {
                if let cookie { try await journal.storeWatchCookie(cookie) }
            } catch {
                return Outcome(result: .failed("\(error)", system: "journal"))
            }
            return Outcome(result: .applied(.success, summary: nil), facts: facts)
        }
        do {
            let window = DeletionWindow(maxDeletions: configuration.policy.maxDeletions,
                maxDeletionPercent: configuration.policy.maxDeletionPercent, maxDeletionsPerDay: configuration.policy.maxDeletionsPerDay)
            var usage = DeletionWindow.Usage(departedInWindow: 0, softDeletesLastDay: 0, managedLiveCount: 0)
            if !plan.departingPeople.isEmpty {
                let since = now.addingTimeInterval(-configuration.interval.timeInterval)
                usage = DeletionWindow.Usage(
                    departedInWindow: try await journal.departedPeople(since: since, command: nil),
                    softDeletesLastDay: try await journal.softDeletes(since: now.addingTimeInterval(-86_400)),
                    managedLiveCount: try await journal.managedCounts().live.values.reduce(0, +))
            }
            // Departures a human approved by name go ahead outside the window's count (not on
            // an ambiguous read).
            let held = plan.departingPeople.isEmpty ? HeldDepartures() : HeldDepartures(try await journal.openHeldSets())
            let approved = held.approved(in: plan, untrusted: !plan.unidentified.isEmpty)
            let approvedActions = plan.notingApprovals(approved).actions.filter { $0.kind.isDeparture && approved[$0.person] != nil }
            let verdict = window.admit(plan.removingDepartures(of: Set(approved.keys)), usage)
            var kept: HeldSet?
            let refusedActions = plan.actions.filter { verdict.refused.contains($0.person) }
            plan = verdict.plan.adding(approvedActions)
            try await journal.beginRun(runID: runID, command: "watch", dryRun: false, now: now)
            try await journal.append([AuditRecord(time: now, runID: runID, action: .runStarted, outcome: .ok,
                reason: "watch: \(changes.count) directory change\(changes.count == 1 ? "" : "s")")])
            if let reason = verdict.reason {
                logger.error("safety limit: departures not applied", metadata: ["count": "\(verdict.refused.count)", "reason": "\(reason)"])
                if plan.unidentified.isEmpty {
                    kept = try await HeldSet.keep(refusedActions, known: held.known, reason: reason, journal: journal, runID: runID, logger: logger)
                }
                if recordRefusal {
                    let approve = kept.map { "; " + $0.refusalNote } ?? ""
                    try await journal.append([AuditRecord(time: Date(), runID: runID, action: .safetyRefused, outcome: .refused,
                        reason: reason + approve + "; or confirm with sync --max-deletions N")])
                }
            }
            var executor = Executor(provider: provider, journal: journal, runID: runID, dryRun: false,
                concurrency: configuration.podero.maxConcurrency * 2, errorBudget: max(10, plan.actions.count / 10), logger: logger)
            executor.shouldStop = shouldStop
            executor.recordsAttentionCases = false
            _ = try await executor.settleInterruptedActions()
            let report = try await executor.apply(plan)
            let status: ExitStatus = report.failures > 0 ? .partialFailure : verdict.refused.isEmpty ? .success : .safetyRefused
            var summary = Summary.line(command: "watch", dryRun: false, plan: plan, report: report, refusals: [], status: status)
            if let reason = verdict.reason { summary += "; SAFETY LIMIT: " + reason }
            try await journal.append([AuditRecord(time: Date(), runID: runID, action: .runFinished,
                outcome: status == .success ? .ok : status == .safetyRefused ? .refused : .failed, reason: summary)])
            // A failed action is retried by the next reconcile; the cookie covers what was tried.
            try await journal.finishRun(runID: runID, RunEnd(outcome: RunOutcome(status), exitCode: status.rawValue, matchedCount: nil,
                directoryComplete: false, counts: report.flatCounts, detail: summary, watchCookie: cookie), now: Date())
            return Outcome(result: .applied(status, summary: summary), runID: runID, refused: verdict.refused,
                refusalReason: verdict.reason, held: kept, report: report, actions: plan.actions.count, facts: facts)
        } catch {
            logger.error("watch batch failed", metadata: ["error": "\(error)"])
            return Outcome(result: .failed("\(error)", system: SyncCycle.system(of: error)))
        }
    }

    private enum Planned {
        case plan(Plan, Facts)
        case fullRead(String)
    }

    /// Reads the people `changes` touch, finds their accounts, and plans.
    private func plan(_ changes: [DirectoryChange], replica box: ReplicaBox, now: Date) async throws -> Planned {
        var read = try await reader.read(changes, into: box)
        if let reason = read.fullReadNeeded { return .fullRead(reason) }
        let replica = box.replica
        let idsAreEntryUUIDs = configuration.directory.users.externalIDAttribute.lowercased() == idAttribute.lowercased()
        if !read.goneUUIDs.isEmpty, !idsAreEntryUUIDs {
            return .fullRead("the server named departed entries only by \(idAttribute), which is not directory.users.external_id_attribute")
        }
        var ids = Set(read.people.map(\.externalID)).union(read.skipped.compactMap(\.externalID))
        if idsAreEntryUUIDs { ids.formUnion(read.goneUUIDs.union(read.leftUUIDs).map(ExternalID.init)) }
        let dns = Set(read.vacated.map(\.normalized)).union(read.skipped.map(\.dn.normalized))
        var managed = try await journal.managedAccounts(externalIDs: ids, lastDNs: dns)
        // Someone who left a DN may only have been renamed or moved: look for them by id.
        let seen = Set(read.people.map(\.externalID)).union(read.skipped.compactMap(\.externalID))
        let missing = managed.map(\.externalID).filter { !seen.contains($0) }
        if !missing.isEmpty {
            let found = try await reader.find(externalIDs: missing, replica: replica)
            if let reason = found.fullReadNeeded { return .fullRead(reason) }
            read.people += found.people
            read.skipped += found.skipped
            let more = Set(found.people.map(\.externalID)).subtracting(managed.map(\.externalID))
            if !more.isEmpty { managed += try await journal.managedAccounts(externalIDs: more, lastDNs: []) }
        }
        // A rename reaches the groups a moment later (refint rewrites their member values
        // after the rename): until it has, the person keeps the roles of the DN they were
        // last read at. The next batch, with the rewritten groups, sees them at the new DN.
        let lastDNs = Dictionary(managed.compactMap { account in account.lastDN.map { (account.externalID, $0) } }, uniquingKeysWith: { first, _ in first })
        var remembered: [ExternalID: [String]] = [:]
        var left: [DistinguishedName: DistinguishedName?] = [:]
        for index in read.people.indices {
            let person = read.people[index]
            let earlier = Set((recentDNs[person.externalID] ?? []) + [lastDNs[person.externalID]].compactMap { $0 })
            let groups = Set(person.memberships.map(\.group))
            var inherited: [GroupMembership] = []
            var kept: [String] = []
            for old in earlier.sorted() where old != person.dn.normalized {
                guard let dn = DistinguishedName(old) else { continue }
                left[dn] = person.dn
                let roles = replica.memberships(of: dn, uid: nil)
                if !roles.isEmpty { kept.append(old) }
                inherited += roles.filter { !groups.contains($0.group) }
            }
            remembered[person.externalID, default: []] += kept + [person.dn.normalized]
            if !inherited.isEmpty {
                read.people[index].memberships = configuration.directory.roleGroups.compactMap { group in
                    (person.memberships + inherited).first { $0.group == group }
                }
                logger.debug("renamed; keeping the roles of the old DN until its groups are rewritten", metadata: ["to": "\(person.dn)"])
            }
        }
        let remote = try await lookUp(people: read.people, managed: managed)
        let managedIDs = Set(managed.map(\.externalID))
        if configuration.policy.adoptExisting == .byExternalIDOrEmail,
            read.people.contains(where: { person in
                !managedIDs.contains(person.externalID) && !remote.contains { $0.externalID == person.externalID }
                    && !person.memberships.isEmpty && !person.isDisabled
            })
        {
            return .fullRead("a newcomer may have to be adopted by e-mail (sync.adopt_existing: by_external_id_or_email), which only Podero's full list can tell")
        }
        for dn in read.vacated where left[dn] == nil { left[dn] = .some(nil) }
        let planner = Planner(policy: configuration.policy, rules: configuration.rules)
        let prepared = planner.prepare(remote: remote, managed: managed, now: now)
        let snapshot = DirectorySnapshot(people: read.people, skipped: read.skipped)
        let planned = managedIDs.union(read.people.map(\.externalID)).union(read.skipped.compactMap(\.externalID))
        let facts = Facts(planned: planned, readDNs: remembered, leftDNs: left, groupsReadWhole: read.groupsReadWhole, groupsFromLog: read.groupsFromLog,
            groupValuesChecked: read.groupValuesChecked)
        return .plan(planner.plan(directory: snapshot, prepared: prepared), facts)
    }

    /// Podero's accounts of these people: by external id, and by id for the managed ones
    /// (an account whose external id was changed by hand is still found, so nobody is
    /// invited twice). Bounded by `podero.max_concurrency`.
    private func lookUp(people: [DirectoryPerson], managed: [ManagedAccount]) async throws -> [RemoteAccount] {
        enum Query: Sendable { case externalID(ExternalID), id(String) }
        let queries = people.map { Query.externalID($0.externalID) } + managed.map { Query.id($0.poderoID) }
        let provider = self.provider
        let limit = max(1, configuration.podero.maxConcurrency)
        var found: [String: RemoteAccount] = [:]
        try await withThrowingTaskGroup(of: RemoteAccount?.self) { group in
            var next = 0
            func add() {
                let query = queries[next]
                next += 1
                group.addTask {
                    switch query {
                    case .externalID(let id): try await provider.account(externalID: id, includeDeleted: false)
                    case .id(let id): try await provider.account(id: id)
                    }
                }
            }
            while next < min(limit, queries.count) { add() }
            while let result = try await group.next() {
                if let account = result { found[account.id] = account }
                if next < queries.count { add() }
            }
        }
        return Array(found.values)
    }
}
