import Synchronization
import TeamSyncCore

/// Decides each watchdog tick: ping while the heartbeat says the loop is alive, stay silent
/// while it does not (and say so once per silence).
final class WatchdogPinger: Sendable {
    enum Tick: Equatable {
        case ping
        /// `firstTime`: the first silent tick since the last ping.
        case silent(firstTime: Bool)
    }

    let heartbeat: Heartbeat
    /// How old the last beat of busy work may be: half of systemd's interval.
    let staleAfter: Duration
    /// Between ticks: a quarter of systemd's interval (at least 100 ms).
    let periodMilliseconds: Int
    private let wasSilent = Mutex(false)

    init(interval: Duration, heartbeat: Heartbeat) {
        self.heartbeat = heartbeat
        staleAfter = interval / 2
        let milliseconds = interval.components.seconds * 1000 + interval.components.attoseconds / 1_000_000_000_000_000
        periodMilliseconds = max(Int(milliseconds / 4), 100)
    }

    func tick(now: ContinuousClock.Instant = .now) -> Tick {
        let alive = heartbeat.isAlive(within: staleAfter, now: now)
        return wasSilent.withLock { silent in
            defer { silent = !alive }
            return alive ? .ping : .silent(firstTime: !silent)
        }
    }
}
