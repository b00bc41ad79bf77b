import TeamSyncCore

/// How to reach the Podero Partner API: the `podero:` section of the configuration.
package struct PoderoSettings: Sendable {
    /// `https://app.podero.com` (or the sandbox host, or a local emulator).
    package var baseURL: String
    /// The organisation (UUID).
    package var orgID: String
    /// OAuth2 client id.
    package var clientID: String
    /// OAuth2 client secret, read from a file or a systemd credential by the caller.
    package var clientSecret: Secret
    /// Bound on each single request.
    package var timeout: Duration
    /// Most requests in flight at once.
    package var maxConcurrency: Int
    /// How failed requests are retried.
    package var retry: RetryPolicy

    /// The defaults of CONTRACT.md, in one place (the configuration loader reads them here).
    package enum Defaults {
        package static let timeout: Duration = .seconds(30)
        package static let maxConcurrency = 4
    }

    /// Creates settings; defaults follow CONTRACT.md.
    package init(
        baseURL: String, orgID: String, clientID: String, clientSecret: Secret, timeout: Duration = Defaults.timeout,
        maxConcurrency: Int = Defaults.maxConcurrency, retry: RetryPolicy = RetryPolicy()
    ) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.orgID = orgID
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.timeout = timeout
        self.maxConcurrency = max(1, maxConcurrency)
        self.retry = retry
    }
}
