import Foundation
import LDAPDirectory
import Logging
import PoderoAPI
import SyncJournal
import Synchronization
import TeamSyncCore

/// The watch of `run`: directory changes streamed by syncrepl, debounced
/// (`sync.watch_debounce`) and applied for the people they touch (`ChangeSync`), between the
/// full reconciles that stay the safety net. A change that only a complete read can answer
/// (a refresh after a restart, an unusable cookie, too many people) asks for a reconcile.
/// The cookie is stored with what was applied from it, never before.
package final class WatchEngine: Sendable {
    private struct Pending {
        var changes: [DirectoryChange] = []
        var arrivals: [ContinuousClock.Instant] = []
        var cookie: [UInt8]?
        var fullReadReason: String?
        /// When the newest event that needs a complete read arrived.
        var fullReadArrival: ContinuousClock.Instant?
    }

    private struct State {
        var pending = Pending()
        /// The replica batches use; replaced (never changed) from outside the batches.
        var replica: ReplicaBox?
        /// The replica of a complete read, installed before the next batch.
        var newReplica: DirectoryReplica?
        /// When the read of the last good full reconcile started.
        var lastGoodReadStart: ContinuousClock.Instant?
        var status: WatchStatus
        var refusalWindowStart: Date?
        /// The people whose departure the window holds back (until applied, confirmed or back).
        var heldDepartures: Set<ExternalID> = []
        var failures = 0
        var stopped = false
        /// Where recent batches read people, newest last (kept a minute): see `ChangeSync.recentDNs`.
        var recentDNs: [ExternalID: [(dn: String, at: ContinuousClock.Instant)]] = [:]
        /// DNs people left that groups of the replica still list, with the re-reads made.
        var followUps: [DistinguishedName: FollowUp] = [:]
        /// The status changed since it was last written.
        var statusChanged = true
    }

    /// Re-reads of the groups that still list a DN someone left (see `ChangeSync.Outcome.leftDNs`).
    private struct FollowUp {
        /// Where the person went (nil: gone).
        var to: DistinguishedName?
        var attempts = 0
        var scheduled = false
    }

    /// Re-reads per DN left, 200 ms apart and doubling (6.2 s in all): refint rewrites the
    /// groups within milliseconds; a group that still lists the DN afterwards really does
    /// (a server without refint), and the next complete read settles it.
    static let followUpAttempts = 5

    /// Most changes held while waiting; more are dropped for a complete read.
    static let pendingLimit = 50_000

    private let configuration: AppConfiguration
    private let logger: Logger
    private let journal: any JournalStore
    private let client: PoderoClient
    private let watch: DirectoryWatch
    private let reader: WatchReader
    private let metrics: SyncMetrics
    private let gate: AsyncGate
    private let requestReconcile: @Sendable (String) -> Void
    /// Where held sets are posted (`notify.webhook_url`).
    private let notifier: WebhookNotifier?
    private let state: Mutex<State>
    private let wake: AsyncStream<Void>
    private let wakeContinuation: AsyncStream<Void>.Continuation
    /// The refresh stage has ended once (startup waits for it).
    private let refreshed = Mutex<[CheckedContinuation<Void, Never>]?>([])

    init(configuration: AppConfiguration, kind: DirectoryWatch.Kind, journal: any JournalStore, metrics: SyncMetrics, gate: AsyncGate,
         notifier: WebhookNotifier? = nil, logger: Logger, requestReconcile: @escaping @Sendable (String) -> Void) {
        self.configuration = configuration
        self.notifier = notifier
        self.logger = logger
        self.journal = journal
        self.metrics = metrics
        self.gate = gate
        self.requestReconcile = requestReconcile
        client = PoderoClient(settings: configuration.podero, logger: logger)
        watch = DirectoryWatch(settings: configuration.directory, kind: kind, logger: logger)
        reader = WatchReader(settings: configuration.directory, logger: logger)
        state = Mutex(State(status: WatchStatus(mode: kind.name, connected: false, updatedAt: Date())))
        (wake, wakeContinuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// The cookie's scope: the server and the one search it belongs to.
    var scope: String { "\(configuration.directory.url) \(watch.scope.base) \(watch.scope.filter)" }

    /// Which watch `sync.watch` and the server allow, or nil with the reason.
    package static func choose(_ configuration: AppConfiguration, rootDSE: () async throws -> LDAPDirectory.RootDSE) async
        -> (kind: DirectoryWatch.Kind?, reason: String)
    {
        let wanted = configuration.watch
        guard wanted != .off else { return (nil, "sync.watch is off: a full reconcile every sync.interval") }
        guard configuration.directory.groups.membership == .expand else {
            return (nil, "sync.watch needs directory.groups.membership: expand (in_chain leaves nesting to the server, which a watch cannot follow)")
        }
        let root: LDAPDirectory.RootDSE
        do {
            root = try await rootDSE()
        } catch {
            return (nil, "the root DSE could not be read (\(error)); a full reconcile every sync.interval")
        }
        let syncrepl = root.controls.contains(LDAPDirectory.syncControlOID)
        let dirSync = root.controls.contains(LDAPDirectory.dirSyncControlOID)
        let dirSyncKind = root.defaultNamingContext.map { DirectoryWatch.Kind.dirSync(namingContext: $0, poll: configuration.dirSyncPoll) }
        let polled = "DirSync (Active Directory) polled every \(DurationText.format(configuration.dirSyncPoll))"
        switch wanted {
        case .syncrepl where !syncrepl:
            return (nil, "sync.watch is syncrepl but the server does not advertise the RFC 4533 sync control (\(LDAPDirectory.syncControlOID)) in supportedControl; a full reconcile every sync.interval")
        case .dirsync where !dirSync || dirSyncKind == nil:
            return (nil, "sync.watch is dirsync but the server does not advertise DirSync (\(LDAPDirectory.dirSyncControlOID)) with a defaultNamingContext; a full reconcile every sync.interval")
        case .dirsync:
            return (dirSyncKind, polled)
        case .auto where !syncrepl && dirSync && dirSyncKind != nil:
            return (dirSyncKind, polled)
        case .auto where !syncrepl:
            return (nil, "the server advertises neither RFC 4533 syncrepl nor DirSync; a full reconcile every sync.interval")
        default:
            return (.syncrepl, "syncrepl (RFC 4533 refreshAndPersist)")
        }
    }

    /// Why a DirSync watch cannot see deletions, and what to grant.
    package static func hiddenDeletions(_ kind: DirectoryWatch.Kind) -> String {
        if case .dirSync(_, _, true) = kind {
            return "the bind account lacks \"Replicating Directory Changes\" on the domain: DirSync runs with the object-security flag, which hides deleted accounts, so deletions wait for the reconcile (every sync.interval); disabled accounts are seen at once"
        }
        return "the bind account may not list CN=Deleted Objects (grant it List Contents and Read Property there: dsacls \"CN=Deleted Objects,<domain>\" /takeownership, then /G DOMAIN\\account:LCRP): deleted accounts are hidden from DirSync, so deletions wait for the reconcile (every sync.interval); disabled accounts are seen at once"
    }

    /// Starts the watch from the stored cookie, and waits (at most `limit`) for its refresh
    /// stage to end, so that the first reconcile covers what the refresh reported.
    func start(waitingAtMost limit: Duration) async {
        let cookie = try? await journal.watchCookie(scope: scope)
        logger.notice("directory watch starting", metadata: ["mode": "\(watch.kind.name)", "cookie": "\(cookie == nil ? "none" : "stored")"])
        watch.start(cookie: cookie) { [self] event in receive(event) }
        Task { [self] in await loop() }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                await withCheckedContinuation { continuation in
                    let waiting = refreshed.withLock { list -> Bool in
                        guard list != nil else { return false }
                        list!.append(continuation)
                        return true
                    }
                    if !waiting { continuation.resume() }
                }
            }
            group.addTask { try? await Task.sleep(for: limit) }
            await group.next()
            group.cancelAll()
        }
        markRefreshed()
    }

    private func markRefreshed() {
        let waiting = refreshed.withLock { list -> [CheckedContinuation<Void, Never>] in
            defer { list = nil }
            return list ?? []
        }
        for continuation in waiting { continuation.resume() }
    }

    func stop() async {
        state.withLock { $0.stopped = true }
        watch.stop()
        wakeContinuation.finish()
        for _ in 0..<40 where !watch.hasFinished { try? await Task.sleep(for: .milliseconds(25)) }
        try? await client.shutdown()
    }

    /// A full reconcile finished: its groups replace the replica, and what it read covers
    /// every event that arrived before its read started.
    func reconciled(_ outcome: SyncCycle.Outcome, readStarted: ContinuousClock.Instant) {
        guard let groups = outcome.groups, outcome.exitStatus != .fatal else { return }
        let replica = DirectoryReplica(graph: groups, roleGroups: configuration.directory.roleGroups, nested: configuration.directory.groups.nested)
        state.withLock { state in
            state.newReplica = replica
            state.lastGoodReadStart = readStarted
        }
        wakeContinuation.yield()
    }

    // MARK: Events (on the watch thread)

    private func receive(_ event: WatchEvent) {
        let now = ContinuousClock.now
        state.withLock { state in
            state.statusChanged = true
            switch event {
            case .connected:
                state.status.connected = true
                state.status.detail = nil
            case .disconnected(let reason):
                state.status.connected = false
                state.status.detail = reason
            case .changes(let changes, let cookie):
                add(changes, cookie: cookie, at: now, to: &state)
            case .refreshed(let changes, let reason, let cookie):
                add(changes, cookie: cookie, at: now, to: &state)
                if let reason { needFullRead(reason, at: now, &state) }
            case .cookieRejected(let reason):
                state.pending.cookie = nil
                needFullRead(reason, at: now, &state)
            }
            if case .changes(let changes, _) = event, !changes.isEmpty { state.status.lastChangeAt = Date() }
        }
        switch event {
        case .connected:
            logger.notice("directory watch connected")
            metrics.watchConnected(true)
        case .disconnected(let reason):
            logger.error("directory watch lost its connection; reconnecting, and the reconcile goes on every sync.interval", metadata: ["error": "\(reason)"])
            metrics.watchConnected(false)
        case .refreshed(_, let reason, _):
            if let reason { logger.notice("directory watch refreshed; a complete read follows", metadata: ["why": "\(reason)"]) }
            markRefreshed()
        case .cookieRejected(let reason):
            // The stored cookie is replaced once the complete read has been applied.
            logger.warning("the stored watch cookie was refused; a complete read follows", metadata: ["why": "\(reason)"])
        case .changes:
            break
        }
        wakeContinuation.yield()
    }

    private func add(_ changes: [DirectoryChange], cookie: [UInt8]?, at now: ContinuousClock.Instant, to state: inout State) {
        if let cookie { state.pending.cookie = cookie }
        guard !changes.isEmpty else { return }
        if state.pending.changes.count + changes.count > Self.pendingLimit {
            state.pending.changes = []
            state.pending.arrivals = []
            needFullRead("more than \(Self.pendingLimit) changes waited", at: now, &state)
            return
        }
        state.pending.changes += changes
        state.pending.arrivals += Array(repeating: now, count: changes.count)
    }

    private func needFullRead(_ reason: String, at now: ContinuousClock.Instant, _ state: inout State) {
        state.pending.fullReadReason = reason
        state.pending.fullReadArrival = now
    }

    // MARK: The loop (one batch at a time)

    private func loop() async {
        for await _ in wake {
            try? await Task.sleep(for: configuration.watchDebounce)
            while await step() {}
            await writeStatus()
            if state.withLock({ $0.stopped }) { break }
        }
    }

    /// Handles what is pending; true when there is more to do right away.
    private func step() async -> Bool {
        let taken = state.withLock { state -> (Pending, ReplicaBox?, ContinuousClock.Instant?)? in
            guard !state.stopped else { return nil }
            if let new = state.newReplica {
                state.replica = ReplicaBox(new)
                state.newReplica = nil
            }
            let pending = state.pending
            state.pending = Pending()
            return (pending, state.replica, state.lastGoodReadStart)
        }
        guard let (pending, replica, lastRead) = taken else { return false }
        if let arrival = pending.fullReadArrival {
            if let lastRead, lastRead > arrival, replica != nil {
                // A complete read that started after this event has been applied: it covers it.
                await store(pending.cookie)
                return !pending.changes.isEmpty ? requeue(pending, fullRead: false) : false
            }
            requeue(pending, fullRead: true)
            // Before the first reconcile (which `run` starts anyway) nothing is asked for.
            if lastRead != nil { requestReconcile(pending.fullReadReason ?? "the watch needs a complete read") }
            return false
        }
        guard let replica else {
            // No complete read yet: wait for the first reconcile.
            requeue(pending, fullRead: false)
            return false
        }
        guard !pending.changes.isEmpty else {
            await store(pending.cookie)
            return false
        }
        return await apply(pending, replica: replica)
    }

    @discardableResult
    private func requeue(_ pending: Pending, fullRead: Bool) -> Bool {
        state.withLock { state in
            state.pending.changes = pending.changes + state.pending.changes
            state.pending.arrivals = pending.arrivals + state.pending.arrivals
            if state.pending.cookie == nil { state.pending.cookie = pending.cookie }
            if fullRead, state.pending.fullReadArrival == nil {
                state.pending.fullReadReason = pending.fullReadReason
                state.pending.fullReadArrival = pending.fullReadArrival
            }
            return !fullRead && (state.replica != nil || state.newReplica != nil) && !pending.changes.isEmpty
        }
    }

    private func apply(_ pending: Pending, replica: ReplicaBox) async -> Bool {
        let cookie = pending.cookie.map { WatchCookie(scope: scope, bytes: $0) }
        let now = Date()
        let recordRefusal = state.withLock { state in
            state.refusalWindowStart.map { now.timeIntervalSince($0) >= configuration.interval.timeInterval } ?? true
        }
        var sync = ChangeSync(configuration: configuration, reader: reader, provider: client, journal: journal, logger: logger)
        sync.idAttribute = watch.kind.idAttribute
        sync.recentDNs = state.withLock { state in state.recentDNs.mapValues { $0.map(\.dn) } }
        sync.shouldStop = { [self] in state.withLock { $0.stopped } }
        let changes = Array(Set(pending.changes))
        let outcome = await gate.run { [sync, journal, configuration, logger] in
            let outcome = await sync.apply(changes, cookie: cookie, replica: replica, recordRefusal: recordRefusal)
            if let runID = outcome.runID, let journal = journal as? SyncJournal {
                await AuditCheckpointer(settings: configuration.checkpoints, logger: logger).afterRun(journal, runID: runID)
            }
            return outcome
        }
        let finished = ContinuousClock.now
        if let set = outcome.held { notifier?.post([WebhookEvent.held(set)]) }
        switch outcome.result {
        case .applied(_, let summary):
            for arrival in pending.arrivals { metrics.watchLatency(finished - arrival) }
            let latency = pending.arrivals.first.map { (finished - $0) }
            state.withLock { state in
                let instant = ContinuousClock.now
                for (id, dns) in outcome.facts.readDNs {
                    for dn in dns where state.recentDNs[id]?.last?.dn != dn {
                        state.recentDNs[id, default: []].removeAll { $0.dn == dn }
                        state.recentDNs[id, default: []].append((dn, instant))
                    }
                }
                if state.recentDNs.count > 10_000 || !outcome.facts.readDNs.isEmpty {
                    state.recentDNs = state.recentDNs.compactMapValues { list in
                        let kept = list.filter { instant - $0.at < .seconds(60) }.suffix(10)
                        return kept.isEmpty ? nil : Array(kept)
                    }
                }
                state.statusChanged = true
                state.failures = 0
                state.status.lastAppliedAt = Date()
                if let latency { state.status.lagSeconds = Double(latency.components.seconds) + Double(latency.components.attoseconds) / 1e18 }
                // A batch plans only the people it touched: the others held stay held.
                state.heldDepartures.subtract(outcome.facts.planned)
                state.heldDepartures.formUnion(outcome.refused)
                if !outcome.refused.isEmpty, recordRefusal { state.refusalWindowStart = now }
                state.status.refusedDepartures = state.heldDepartures.count
                state.status.refusedSince = state.heldDepartures.isEmpty ? nil : state.refusalWindowStart
            }
            metrics.recordWatch(outcome.report, refused: state.withLock { $0.heldDepartures.count },
                groupReads: ["whole": outcome.facts.groupsReadWhole, "accesslog": outcome.facts.groupsFromLog, "value": outcome.facts.groupValuesChecked])
            if let summary { logger.notice("watch batch applied", metadata: ["summary": "\(summary)"]) }
            followUp(outcome.facts.leftDNs, replica: replica)
            return false
        case .fullReadNeeded(let reason):
            var again = pending
            again.fullReadReason = reason
            again.fullReadArrival = ContinuousClock.now
            requeue(again, fullRead: true)
            logger.notice("a complete read is needed", metadata: ["why": "\(reason)"])
            requestReconcile(reason)
            return false
        case .failed(let reason, let system):
            // The batch may have updated the replica before it failed, and a retry would then
            // see no difference in those groups: the replica is dropped, and the changes wait
            // for a complete read, which covers them.
            let failures = state.withLock { state -> Int in
                state.failures += 1
                state.replica = nil
                return state.failures
            }
            metrics.watchError(system: system)
            requeue(pending, fullRead: false)
            let backoff = Duration.seconds(min(30, 1 << min(failures - 1, 5)))
            logger.error("watch batch failed; a complete read follows", metadata: ["error": "\(reason)"])
            requestReconcile("a watch batch failed: \(reason)")
            try? await Task.sleep(for: backoff)
            return !state.withLock { $0.stopped }
        }
    }

    /// Reads again, a little later, the groups that still list a DN someone left. slapd's
    /// refint overlay rewrites (or drops) the member values of a renamed, moved or deleted
    /// entry in a task of its own, and syncprov does not report that rewrite (measured on
    /// slapd 2.5): without a re-read the replica would keep the old DN, and a later change of
    /// that person would find them in no group. (DirSync on Samba AD does report the groups
    /// of a renamed member, and there the re-read finds nothing left to do.)
    /// With `member` groups only the values in question are asked for (whatever the group's
    /// size); `uniqueMember` values may carry a uid part, so those groups are read whole.
    private func followUp(_ left: [DistinguishedName: DistinguishedName?], replica: ReplicaBox) {
        let byValue = configuration.directory.groups.memberAttribute == .member
        let due = state.withLock { state -> [(delay: Duration, dns: [DistinguishedName], changes: Set<DirectoryChange>)] in
            for (dn, to) in left where state.followUps[dn] == nil { state.followUps[dn] = FollowUp(to: to) }
            var due: [Int: (dns: [DistinguishedName], changes: Set<DirectoryChange>)] = [:]
            for (dn, entry) in state.followUps {
                let groups = replica.replica.groups(listing: dn)
                guard !groups.isEmpty, entry.attempts < Self.followUpAttempts else {
                    state.followUps[dn] = nil
                    continue
                }
                guard !entry.scheduled else { continue }
                state.followUps[dn] = FollowUp(to: entry.to, attempts: entry.attempts + 1, scheduled: true)
                due[entry.attempts, default: ([], [])].dns.append(dn)
                for group in groups {
                    let checks: [DirectoryChange] = byValue
                        ? [.listing(group: group, member: dn)] + (entry.to.map { [.listing(group: group, member: $0)] } ?? [])
                        : [.upserted(group, uuid: nil)]
                    due[entry.attempts, default: ([], [])].changes.formUnion(checks)
                }
            }
            return due.map { (Duration.milliseconds(200 << $0.key), $0.value.dns, $0.value.changes) }
        }
        for (delay, dns, changes) in due {
            Task { [self] in
                try? await Task.sleep(for: delay)
                state.withLock { state in
                    for dn in dns { state.followUps[dn]?.scheduled = false }
                    guard !state.stopped else { return }
                    state.pending.changes += changes
                }
                wakeContinuation.yield()
            }
        }
    }

    private func store(_ cookie: [UInt8]?) async {
        guard let cookie else { return }
        do {
            try await journal.storeWatchCookie(WatchCookie(scope: scope, bytes: cookie))
        } catch {
            logger.warning("the watch cookie could not be stored; the next start reads the changes again", metadata: ["error": "\(error)"])
        }
    }

    /// Writes the status for `status` when it changed (from the loop: one writer, in order).
    private func writeStatus() async {
        guard var status = state.withLock({ state -> WatchStatus? in
            defer { state.statusChanged = false }
            return state.statusChanged ? state.status : nil
        }) else { return }
        status.updatedAt = Date()
        try? await journal.recordWatchStatus(status)
    }
}
