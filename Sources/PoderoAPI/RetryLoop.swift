import Logging

/// The client's one retry loop: it owns the attempts, the total deadline, `Retry-After` and the
/// logging of retries, for every call, for creates and for the token fetch.
struct RetryLoop: Sendable {
    var policy: RetryPolicy
    var logger: Logger

    /// What an attempt knows of the ones before it.
    struct History: Sendable {
        /// 1 for the first attempt.
        var attempt: Int
        /// True when an earlier attempt may have taken effect although it failed.
        var earlierOutcomeUnknown: Bool
    }

    /// Runs `body` until it succeeds, fails for good, or the attempts or the deadline run out.
    /// Before each retry, `beforeRetry` may end the loop with a value (a create looks the person
    /// up after an attempt whose outcome is unknown, and never sends a second invitation).
    func run<T: Sendable>(
        _ operation: String,
        beforeRetry: (@Sendable (History) async throws -> T?)? = nil,
        _ body: @Sendable (History) async throws -> T
    ) async throws -> T {
        let clock = ContinuousClock()
        let deadline = clock.now + policy.totalBudget
        var history = History(attempt: 1, earlierOutcomeUnknown: false)
        while true {
            if history.attempt > 1, let beforeRetry, let value = try await beforeRetry(history) { return value }
            do {
                return try await body(history)
            } catch var error as PoderoError {
                history.earlierOutcomeUnknown = history.earlierOutcomeUnknown || error.outcomeUnknown
                let delay = policy.delay(afterAttempt: history.attempt, retryAfter: error.retryAfterHint)
                guard error.isTransient, !error.retriesSpent, history.attempt < policy.maxAttempts, clock.now + delay < deadline else {
                    error.retriesSpent = true
                    throw error
                }
                logger.debug("retrying", metadata: [
                    "operation": "\(operation)", "attempt": "\(history.attempt)",
                    "status": "\(error.status.map(String.init) ?? "-")", "delay_ms": "\(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)",
                ])
                try await Task.sleep(for: delay)
                history.attempt += 1
            }
        }
    }
}
