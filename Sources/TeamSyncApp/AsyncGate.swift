import TeamSyncCore

/// One holder at a time, in arrival order: a watch batch and a full reconcile never overlap
/// (both plan from the journal and write to it). What runs here is the loop's work: it is busy
/// for the watchdog (`Heartbeat`), which then needs its beats to stay alive.
actor AsyncGate {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Runs `body` once the gate is free.
    func run<T: Sendable>(_ body: @Sendable () async -> T) async -> T {
        if busy {
            await withCheckedContinuation { waiters.append($0) }
        } else {
            busy = true
        }
        let result = await Heartbeat.process.busy(body)
        if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
        return result
    }
}
