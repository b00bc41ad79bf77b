import Dispatch
import Foundation
import Hummingbird
import LDAPDirectory
import Logging
import ServiceLifecycle
import SyncJournal
import Synchronization
import TeamSyncCore

/// `run`: a sync every `sync.interval` (with a little jitter) on a Dispatch timer, under
/// swift-service-lifecycle. A failed cycle is logged and retried with backoff; SIGHUP reloads
/// the configuration; SIGUSR1 starts a cycle now (one right after the current one, if one is
/// running); SIGTERM/SIGINT finish the action in flight and stop; systemd is told
/// READY, STATUS, WATCHDOG and STOPPING; /metrics and /healthz are served when configured.
package struct SyncService: Sendable {
    private let initial: CommandEnvironment
    private let configPath: String?
    private let logLevel: Logger.Level

    package init(environment: CommandEnvironment, configPath: String?, logLevel: Logger.Level) {
        self.initial = environment
        self.configPath = configPath
        self.logLevel = logLevel
    }

    /// Runs until SIGTERM or SIGINT; returns the exit status.
    package func run() async -> ExitStatus {
        let logger = initial.logger
        let metrics = SyncMetrics()
        let loop = SyncLoop(environment: initial, configPath: configPath, logLevel: logLevel, metrics: metrics)
        var services: [any Service] = [loop]
        if let listen = initial.configuration.metricsListen {
            services.append(MetricsServer.application(host: listen.host, port: listen.port, metrics: metrics,
                healthyWithin: { loop.healthWindow }, logger: logger))
        }
        let group = ServiceGroup(configuration: .init(
            services: services.map { .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup) },
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
            return .success
        } catch {
            logger.error("service failed", metadata: ["error": "\(error)"])
            return .fatal
        }
    }
}

/// The loop of cycles, as a lifecycle `Service`.
final class SyncLoop: Service, Sendable {
    private struct State {
        var environment: CommandEnvironment
        var stopRequested = false
        var consecutiveFailures = 0
        var watch: WatchEngine?
        /// The one journal handle of the process (a second one could lose the first's writes).
        var journal: SyncJournal?
        /// `notify.webhook_url`'s poster, made at start (a new URL needs a restart).
        var webhook: WebhookNotifier?
        /// Decisions on held sets the last cycle started after (`SyncJournal.heldDecisionCount`).
        var decisionsSeen: Int?
    }

    private let state: Mutex<State>
    private let configPath: String?
    private let logLevel: Logger.Level
    private let metrics: SyncMetrics
    private let notifier = SystemdNotifier()
    private let ticker = CycleTicker()
    /// Watch batches and full reconciles take turns.
    private let gate = AsyncGate()

    init(environment: CommandEnvironment, configPath: String?, logLevel: Logger.Level, metrics: SyncMetrics) {
        state = Mutex(State(environment: environment))
        self.configPath = configPath
        self.logLevel = logLevel
        self.metrics = metrics
    }

    /// How recent the last completed cycle must be for /healthz: two intervals and a minute.
    var healthWindow: (last: Date?, window: Duration) {
        let interval = state.withLock { $0.environment.configuration.interval }
        return (metrics.lastSuccessTime, interval * 2 + .seconds(60))
    }

    func run() async throws {
        let hangup = reloadOnHangup()
        let syncNow = syncOnUser1()
        notifier.notify("READY=1")
        let watchdog = startWatchdog()
        let decisions = syncOnDecision()
        defer {
            hangup.cancel()
            syncNow.cancel()
            watchdog?.cancel()
            decisions.cancel()
        }
        let webhook = environment.makeNotifier()
        state.withLock { $0.webhook = webhook }
        metrics.started(interval: environment.configuration.interval)
        environment.logger.notice("service started", metadata: ["interval": "\(DurationText.format(environment.configuration.interval))"])
        await startWatch()
        ticker.schedule(after: .zero)
        await withGracefulShutdownHandler {
            for await _ in ticker.ticks {
                if state.withLock({ $0.stopRequested }) { break }
                let delay = await cycle()
                if state.withLock({ $0.stopRequested }) { break }
                ticker.schedule(after: delay)
            }
        } onGracefulShutdown: { [self] in
            state.withLock { $0.stopRequested = true }
            notifier.notify("STOPPING=1")
            ticker.finish()
        }
        await state.withLock { $0.watch }?.stop()
        await webhook?.finish(within: .seconds(5))
        environment.logger.notice("service stopped")
    }

    /// Starts the directory watch `sync.watch` and the server allow, or says why there is none.
    private func startWatch() async {
        let environment = self.environment
        let configuration = environment.configuration
        let logger = environment.logger
        let (kind, chosenBecause) = await WatchEngine.choose(configuration) {
            try await LDAPDirectory(settings: configuration.directory, logger: logger).rootDSE()
        }
        let journal: SyncJournal
        do {
            journal = try sharedJournal(environment)
        } catch {
            logger.error("directory watch off: the journal cannot be opened", metadata: ["error": "\(error)"])
            return
        }
        var reason = chosenBecause
        var chosen = kind
        if let dirSync = kind, case .dirSync = dirSync {
            do {
                let checked = try await LDAPDirectory(settings: configuration.directory, logger: logger).checkDirSync(dirSync)
                chosen = checked.kind
                if !checked.seesDeletions { logger.warning("\(WatchEngine.hiddenDeletions(checked.kind))") }
            } catch {
                chosen = nil
                reason = "DirSync was refused to the bind account (\(error)); a full reconcile every sync.interval"
            }
        }
        guard let kind = chosen else {
            logger.notice("directory watch off", metadata: ["why": "\(reason)"])
            try? await journal.recordWatchStatus(WatchStatus(mode: "off", connected: false, detail: reason, updatedAt: Date()))
            return
        }
        if let problem = await LDAPDirectory(settings: configuration.directory, logger: logger).accesslogProblem() {
            logger.warning("the watch reads changed groups whole", metadata: ["why": "\(problem)"])
        }
        let engine = WatchEngine(configuration: configuration, kind: kind, journal: journal, metrics: metrics, gate: gate,
            notifier: state.withLock { $0.webhook }, logger: logger) { [ticker] why in
            logger.notice("a reconcile now", metadata: ["why": "\(why)"])
            ticker.schedule(after: .zero)
        }
        state.withLock { $0.watch = engine }
        await engine.start(waitingAtMost: .seconds(60))
    }

    private var environment: CommandEnvironment { state.withLock { $0.environment } }

    /// The process's journal, opened once (a reload with another journal.path needs a restart).
    private func sharedJournal(_ environment: CommandEnvironment) throws -> SyncJournal {
        if let journal = state.withLock({ $0.journal }) { return journal }
        let journal = try environment.openJournal()
        state.withLock { $0.journal = journal }
        return journal
    }

    /// One cycle; returns the delay before the next one.
    private func cycle() async -> Duration {
        let environment = self.environment
        let clock = ContinuousClock()
        let started = clock.now
        let outcome = await gate.run { [self] in
            let journal: SyncJournal
            do {
                journal = try sharedJournal(environment)
            } catch {
                return SyncCycle.Outcome(exitStatus: .fatal, summary: "\(error)", runID: "-", errorSystem: "journal")
            }
            // The cycle applies every decision made so far; a later one starts another.
            if let count = try? await journal.heldDecisionCount() { state.withLock { $0.decisionsSeen = count } }
            let (webhook, failedBefore) = state.withLock { ($0.webhook, $0.consecutiveFailures > 0) }
            return await environment.sync(dryRun: false, maxDeletionsOverride: nil, command: "run", journal: journal,
                notifier: webhook, reportFailure: !failedBefore) { [self] in
                state.withLock { $0.stopRequested }
            }
        }
        state.withLock { $0.watch }?.reconciled(outcome, readStarted: started)
        metrics.record(outcome, duration: clock.now - started, interval: environment.configuration.interval)
        notifier.notify("STATUS=\(outcome.summary.prefix(200))")
        let interval = environment.configuration.interval
        if outcome.exitStatus == .fatal {
            let failures = state.withLock { state -> Int in
                state.consecutiveFailures += 1
                return state.consecutiveFailures
            }
            let backoff = min(interval, .seconds(15) * (1 << min(failures - 1, 10)))
            environment.logger.error("cycle failed; retrying with backoff", metadata: [
                "retry_in": "\(DurationText.format(backoff))", "failures": "\(failures)", "summary": "\(outcome.summary)",
            ])
            return backoff
        }
        state.withLock { $0.consecutiveFailures = 0 }
        environment.logger.notice("cycle finished", metadata: ["summary": "\(outcome.summary)"])
        // A little jitter (±5%) so that many instances do not hit the APIs in step.
        let jitter = interval / 20
        return interval + jitter * Double.random(in: -1...1)
    }

    /// SIGHUP: load the file again; a valid one takes effect at the next cycle, an invalid one is
    /// reported and the old one kept.
    private func reloadOnHangup() -> any DispatchSourceSignal {
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue(label: "podero-team-sync.sighup"))
        source.setEventHandler { [self] in
            let current = environment
            do {
                let next = try CommandEnvironment.load(path: configPath, logLevel: logLevel)
                state.withLock { $0.environment = next }
                next.logger.notice("configuration reloaded; it takes effect at the next cycle")
            } catch let error as ConfigurationError {
                for problem in error.problems { current.logger.error("reload refused: \(problem)") }
                current.logger.error("configuration not reloaded: the previous one stays in effect")
            } catch {
                current.logger.error("configuration not reloaded: \(error)")
            }
        }
        source.activate()
        return source
    }

    /// SIGUSR1 (`systemctl kill -s USR1 podero-team-sync`): a cycle now, without waiting for
    /// `sync.interval`. Requests during a cycle start one cycle right after it.
    private func syncOnUser1() -> any DispatchSourceSignal {
        signal(SIGUSR1, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGUSR1, queue: DispatchQueue(label: "podero-team-sync.sigusr1"))
        source.setEventHandler { [self] in
            environment.logger.notice("SIGUSR1: a sync now")
            ticker.schedule(after: .zero)
        }
        source.activate()
        return source
    }

    /// Every 2 s, a look at the journal for a new decision on a held set (`approve`, `reject`,
    /// run as another process): a cycle starts at once, so that an approval takes effect within
    /// seconds.
    private func syncOnDecision() -> any DispatchSourceTimer {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "podero-team-sync.decisions"))
        timer.schedule(deadline: .now() + .seconds(2), repeating: .seconds(2))
        timer.setEventHandler { [self] in
            guard let journal = state.withLock({ $0.journal }) else { return }
            Task {
                guard let count = try? await journal.heldDecisionCount() else { return }
                let changed = state.withLock { state -> Bool in
                    guard let seen = state.decisionsSeen, count > seen else { return false }
                    state.decisionsSeen = count
                    return true
                }
                if changed {
                    environment.logger.notice("a decision on a held set was recorded: a sync now")
                    ticker.schedule(after: .zero)
                }
            }
        }
        timer.activate()
        return timer
    }

    /// WATCHDOG=1 every quarter of the interval systemd asked for, but only while the loop is
    /// alive: idle between cycles, or busy with a beat (a page read, an answer from Podero, an
    /// applied action) within half the interval. A cycle stuck in a call falls silent, and
    /// systemd restarts the service within one and a half intervals of the last beat.
    private func startWatchdog() -> (any DispatchSourceTimer)? {
        guard let interval = SystemdNotifier.watchdogInterval() else { return nil }
        let pinger = WatchdogPinger(interval: interval, heartbeat: .process)
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "podero-team-sync.watchdog"))
        timer.schedule(deadline: .now(), repeating: .milliseconds(pinger.periodMilliseconds))
        let notifier = self.notifier
        let logger = environment.logger
        timer.setEventHandler {
            switch pinger.tick() {
            case .ping: notifier.notify("WATCHDOG=1")
            case .silent(let firstTime):
                if firstTime { logger.warning("no progress for half the watchdog interval: the watchdog pings stop until the loop moves on") }
            }
        }
        timer.activate()
        return timer
    }
}
