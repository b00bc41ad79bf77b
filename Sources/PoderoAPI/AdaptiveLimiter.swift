/// How many requests the client has in flight, and when it may send at all. It starts at
/// `podero.max_concurrency` and adapts: a 429 pauses every request of the client until its
/// `Retry-After`, halves the limit, and paces requests at the rate the server accepted before
/// it said no (`Retry-After` ÷ the requests accepted since the last 429, with a margin); a 503
/// halves the limit; successes grow it back by one at a time and relax the pacing, only once a
/// while has passed without any throttling (additive increase, multiplicative decrease).
actor AdaptiveLimiter {
    /// What an answer says about the server's load.
    enum Signal: Sendable {
        case success
        /// 429: wait this long (Retry-After), or a second when the server did not say.
        case throttled(retryAfter: Duration?)
        /// 503: the server is overloaded.
        case overloaded
    }

    /// The configured ceiling.
    let maximum: Int
    /// Requests allowed in flight now.
    private(set) var limit: Int
    private var inUse = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []
    /// No request starts before this instant.
    private var pausedUntil: ContinuousClock.Instant?
    private var lastDecrease: ContinuousClock.Instant?
    private var successes = 0
    /// Successful answers since the last 429: what the server accepted in its window.
    private var acceptedSinceThrottle = 0
    /// The least time between two request starts, learnt from 429s; nil when not pacing.
    private(set) var pacing: Duration?
    private var nextStart = ContinuousClock.now
    /// The longest wait a `Retry-After` can impose (a hostile value cannot stall the client).
    static let longestPause: Duration = .seconds(60)
    /// After a decrease, the limit grows again only once this long has passed without one.
    let calmBeforeGrowth: Duration

    init(limit: Int, calmBeforeGrowth: Duration = .seconds(10)) {
        maximum = max(1, limit)
        self.limit = maximum
        self.calmBeforeGrowth = calmBeforeGrowth
    }

    /// Runs `body` once a place is free and no pause is in force.
    nonisolated func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await acquire()
        do {
            let value = try await body()
            await release()
            return value
        } catch {
            await release()
            throw error
        }
    }

    /// Tells the limiter what an answer said.
    func record(_ signal: Signal) {
        let now = ContinuousClock.now
        switch signal {
        case .success:
            successes += 1
            acceptedSinceThrottle += 1
            let calm = lastDecrease.map { now - $0 >= calmBeforeGrowth } ?? true
            guard calm else { return }
            if let current = pacing { pacing = current * 0.9 < .milliseconds(5) ? nil : current * 0.9 }
            if limit < maximum, successes >= limit * 2 {
                limit += 1
                successes = 0
                wakeIfRoom()
            }
        case .throttled(let retryAfter):
            let wait = min(retryAfter ?? .seconds(1), Self.longestPause)
            let until = now + wait
            if pausedUntil.map({ until > $0 }) ?? true { pausedUntil = until }
            // The answers to requests already in flight when the first 429 came are the same
            // burst: they neither halve the limit again nor slow the pacing again.
            if lastDecrease.map({ now - $0 >= .seconds(1) }) ?? true {
                if let current = pacing {
                    pacing = min(current * 1.5, wait)  // still too fast
                } else if acceptedSinceThrottle > 0 {
                    pacing = wait * 1.1 / acceptedSinceThrottle
                }
                acceptedSinceThrottle = 0
            }
            decrease(now)
        case .overloaded:
            decrease(now)
        }
    }

    /// Halves the limit, once per burst: answers to requests already in flight when the first
    /// throttling arrived do not halve it again.
    private func decrease(_ now: ContinuousClock.Instant) {
        successes = 0
        if let last = lastDecrease, now - last < .seconds(1) { return }
        lastDecrease = now
        limit = max(1, limit / 2)
    }

    private func acquire() async throws {
        while true {
            let now = ContinuousClock.now
            if let until = pausedUntil, until > now {
                try await Task.sleep(until: until, clock: .continuous)
                continue
            }
            if pacing != nil, nextStart > now {
                try await Task.sleep(until: nextStart, clock: .continuous)
                continue
            }
            if inUse < limit {
                inUse += 1
                if let pacing { nextStart = now + pacing }
                return
            }
            await withCheckedContinuation { waiters.append($0) }
        }
    }

    private func release() {
        inUse -= 1
        wakeIfRoom()
    }

    /// Wakes the first waiter when a place is free; it checks the pause and the limit again.
    private func wakeIfRoom() {
        if inUse < limit, !waiters.isEmpty { waiters.removeFirst().resume() }
    }
}
