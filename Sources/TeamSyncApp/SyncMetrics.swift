import CoreMetrics
import Foundation
import Metrics
import Prometheus
import Synchronization
import TeamSyncCore

/// The service's metrics, named for alerts, in Prometheus text format.
package final class SyncMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    var metricsFactory: PrometheusMetricsFactory { factory }
    private let lastSuccess: CoreMetrics.Gauge
    private let lastAttempt: CoreMetrics.Gauge
    private let duration: Metrics.Timer
    private let refusals: CoreMetrics.Counter
    private let interval: CoreMetrics.Gauge
    private let partialStreak: CoreMetrics.Gauge
    private let lastSuccessDate = Mutex<Date?>(nil)
    private let partialRuns = Mutex(0)

    package init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [.milliseconds(100), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(300)]
        self.factory = factory
        lastSuccess = CoreMetrics.Gauge(label: "podero_team_sync_last_success_timestamp_seconds", factory: factory)
        lastAttempt = CoreMetrics.Gauge(label: "podero_team_sync_last_attempt_timestamp_seconds", factory: factory)
        duration = Metrics.Timer(label: "podero_team_sync_run_duration_seconds", factory: factory)
        refusals = CoreMetrics.Counter(label: "podero_team_sync_safety_refusals_total", factory: factory)
        interval = CoreMetrics.Gauge(label: "podero_team_sync_sync_interval_seconds", factory: factory)
        partialStreak = CoreMetrics.Gauge(label: "podero_team_sync_consecutive_partial_failures", factory: factory)
    }

    /// Records one finished cycle, and the `sync.interval` in force (the alert rules compare
    /// the last success against it, so a reload that changes it moves the alert too).
    /// Cycles in a row that ended in a partial failure (exit 3): a clean cycle resets the count,
    /// a fatal or refused one leaves it as it is.
    package func record(_ outcome: SyncCycle.Outcome, duration elapsed: Duration, interval syncInterval: Duration) {
        let now = Date()
        interval.record(syncInterval.timeInterval)
        let streak = partialRuns.withLock { count -> Int in
            switch outcome.runOutcome {
            case .partial: count += 1
            case .ok: count = 0
            case .refused, .failed: break
            }
            return count
        }
        partialStreak.record(streak)
        lastAttempt.record(now.timeIntervalSince1970)
        duration.recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        if outcome.runOutcome.countsAsGoodRead {
            lastSuccess.record(now.timeIntervalSince1970)
            lastSuccessDate.withLock { $0 = now }
        }
        if outcome.exitStatus == .safetyRefused { refusals.increment() }
        if let system = outcome.errorSystem {
            CoreMetrics.Counter(label: "podero_team_sync_errors_total", dimensions: [("system", system)], factory: factory).increment()
        }
        for (action, outcomes) in outcome.report?.counts ?? [:] {
            for (result, count) in outcomes {
                CoreMetrics.Counter(
                    label: "podero_team_sync_actions_total", dimensions: [("kind", action.rawValue), ("outcome", result.rawValue)],
                    factory: factory
                ).increment(by: count)
            }
        }
        guard let managed = outcome.managed else { return }
        for role in Role.allCases {
            CoreMetrics.Gauge(label: "podero_team_sync_managed_accounts", dimensions: [("role", role.rawValue)], factory: factory)
                .record(managed.live[role] ?? 0)
        }
        CoreMetrics.Gauge(label: "podero_team_sync_pending_departures", factory: factory).record(managed.pendingDepartures)
        CoreMetrics.Gauge(label: "podero_team_sync_needs_attention", factory: factory).record(managed.needsAttention)
    }

    /// The service started (`podero_team_sync_start_timestamp_seconds`): the alert on a missing
    /// success counts from here until the first good read.
    package func started(interval syncInterval: Duration) {
        CoreMetrics.Gauge(label: "podero_team_sync_start_timestamp_seconds", factory: factory).record(Date().timeIntervalSince1970)
        interval.record(syncInterval.timeInterval)
    }

    /// The end of the last cycle that was a good read (`RunOutcome.countsAsGoodRead`).
    package var lastSuccessTime: Date? { lastSuccessDate.withLock { $0 } }

    /// Prometheus text exposition.
    package func exposition() -> String { registry.emitToString() }
}

extension SyncMetrics {
    /// `podero_team_sync_watch_connected`: 1 while the directory watch is connected.
    func watchConnected(_ connected: Bool) {
        CoreMetrics.Gauge(label: "podero_team_sync_watch_connected", factory: metricsFactory).record(connected ? 1 : 0)
    }

    /// One change from its arrival to the end of the batch that applied it.
    func watchLatency(_ latency: Duration) {
        Metrics.Timer(label: "podero_team_sync_watch_apply_latency_seconds", factory: metricsFactory)
            .recordNanoseconds(latency.components.seconds * 1_000_000_000 + latency.components.attoseconds / 1_000_000_000)
    }

    /// A watch batch's actions, and departures its window kept back.
    /// `groupReads`: changed groups read whole, from the accesslog, and one-value checks.
    func recordWatch(_ report: ExecutionReport?, refused: Int, groupReads: [String: Int]) {
        for (read, count) in groupReads where count > 0 {
            CoreMetrics.Counter(label: "podero_team_sync_watch_group_reads_total", dimensions: [("read", read)], factory: metricsFactory).increment(by: count)
        }
        for (action, outcomes) in report?.counts ?? [:] {
            for (result, count) in outcomes {
                CoreMetrics.Counter(label: "podero_team_sync_actions_total", dimensions: [("kind", action.rawValue), ("outcome", result.rawValue)],
                    factory: metricsFactory).increment(by: count)
            }
        }
        CoreMetrics.Gauge(label: "podero_team_sync_watch_refused_departures", factory: metricsFactory).record(refused)
    }

    func watchError(system: String) {
        CoreMetrics.Counter(label: "podero_team_sync_errors_total", dimensions: [("system", system)], factory: metricsFactory).increment()
    }
}
