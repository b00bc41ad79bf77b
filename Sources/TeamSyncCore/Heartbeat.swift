import Synchronization

/// Proof that the work of the process moves on, for the systemd watchdog: each directory page
/// read, each answer from Podero, each applied action and each finished cycle `beat()`s; work
/// that should beat runs between `begin()` and `end()` (or in `busy(_:)`). Between pieces of
/// work (waiting for the next cycle) the process is idle, which is alive too. A cycle stuck in a
/// call (a directory that accepts the connection and never answers, a blocked disk) stops the
/// beats, so the pinger falls silent and systemd restarts the service.
package final class Heartbeat: Sendable {
    /// The one of the process: the directory reader, the Podero client and the executor beat it.
    package static let process = Heartbeat()

    private struct State {
        var lastBeat: ContinuousClock.Instant
        var busy = 0
    }

    private let state: Mutex<State>

    package init(now: ContinuousClock.Instant = .now) {
        state = Mutex(State(lastBeat: now))
    }

    /// Progress was made.
    package func beat(now: ContinuousClock.Instant = .now) {
        state.withLock { $0.lastBeat = now }
    }

    /// Work that should beat starts (a cycle, a watch batch); it beats once.
    package func begin(now: ContinuousClock.Instant = .now) {
        state.withLock {
            $0.busy += 1
            $0.lastBeat = now
        }
    }

    /// That work ended (however it ended): a beat, and idle again when it was the last.
    package func end(now: ContinuousClock.Instant = .now) {
        state.withLock {
            $0.busy = max(0, $0.busy - 1)
            $0.lastBeat = now
        }
    }

    /// Runs `body` as busy work.
    package func busy<T: Sendable>(_ body: () async -> T) async -> T {
        begin()
        defer { end() }
        return await body()
    }

    /// True when idle, or when the last beat is at most `within` old.
    package func isAlive(within: Duration, now: ContinuousClock.Instant = .now) -> Bool {
        state.withLock { $0.busy == 0 || now - $0.lastBeat <= within }
    }
}
