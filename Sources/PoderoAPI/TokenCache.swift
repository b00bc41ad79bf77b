/// The OAuth2 access token, shared by all callers: fetched once, renewed shortly before it
/// expires (or when the API refuses it), and one renewal serves every caller that waits.
actor TokenCache {
    typealias Fetch = @Sendable () async throws -> (token: String, lifetime: Duration)

    private let fetch: Fetch
    private var current: (value: String, renewAt: ContinuousClock.Instant)?
    private var pending: Task<(String, ContinuousClock.Instant), any Error>?
    /// Number of tokens fetched so far (tests and metrics).
    private(set) var fetches = 0

    init(fetch: @escaping Fetch) {
        self.fetch = fetch
    }

    /// A token that is valid for a while yet.
    func token() async throws -> String {
        if let current, ContinuousClock.now < current.renewAt { return current.value }
        let task: Task<(String, ContinuousClock.Instant), any Error>
        if let pending {
            task = pending
        } else {
            fetches += 1
            let fetch = self.fetch
            task = Task {
                let started = ContinuousClock.now
                let (token, lifetime) = try await fetch()
                return (token, started + Self.renewalPoint(lifetime))
            }
            pending = task
        }
        do {
            let (value, renewAt) = try await task.value
            if pending == task { pending = nil }
            current = (value, renewAt)
            return value
        } catch {
            if pending == task { pending = nil }
            throw error
        }
    }

    /// Forgets `token` after the API refused it, so that the next caller fetches a new one.
    func invalidate(_ token: String) {
        if current?.value == token { current = nil }
    }

    /// Renew when a tenth of the lifetime (at least a minute, at most half) is left.
    static func renewalPoint(_ lifetime: Duration) -> Duration {
        let margin = min(max(lifetime / 10, .seconds(60)), lifetime / 2)
        return lifetime - margin
    }
}
