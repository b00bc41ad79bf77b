import Foundation

/// The emulator's switches (CONTRACT.md "podero-sandbox"). The inferred behaviours of
/// podero-api.md are switches here so that the client is tested against every variant.
package struct SandboxOptions: Sendable, Codable, Equatable {
    /// The one organisation this emulator serves (a UUID, compared case-insensitively).
    package var orgID: String
    /// OAuth2 client id accepted by `/oauth2/token/`.
    package var clientID: String
    /// OAuth2 client secret accepted by `/oauth2/token/`.
    package var clientSecret: String
    /// Whether a soft-deleted user still holds its e-mail and external id against new creates.
    package var softDeletedBlocksReuse: Bool = false
    /// Status of a successful create: 200 or 201.
    package var createStatus: Int = 200
    /// Status of a create or update that collides with an e-mail or external id: 409 or 422.
    package var duplicateStatus: Int = 409
    /// Share of API requests answered with a 5xx fault (half of them after the change was made).
    package var faultRate: Double = 0
    /// When injected faults strike: `mixed` (half before, half after the change is made),
    /// `before` (nothing happens) or `after` (the change is made, the answer is lost).
    package var faultMode: FaultMode = .mixed
    /// API requests per second served before answering 429 with `Retry-After`; nil is unlimited.
    package var rateLimit: Int?
    /// Delay added to every API request, in milliseconds.
    package var latencyMilliseconds: Int = 0
    /// Lifetime of issued tokens, in seconds (`expires_in`).
    package var tokenLifetime: Int = 36_000
    /// Share of users (0…1) left out of every list answer, the same ones each time: a list
    /// that lies by omission. The users still exist and answer by id and by external id.
    package var listHideFraction: Double = 0
    /// API answers' bodies are sent at this many bytes per second; nil sends them at once.
    package var slowBodyBytesPerSecond: Int?
    /// Every API GET is answered with a gzip bomb inflating to this many MiB; nil never.
    package var gzipBombMiB: Int?

    /// Creates options with the defaults of a well-behaved API.
    package init(orgID: String, clientID: String, clientSecret: String) {
        self.orgID = orgID
        self.clientID = clientID
        self.clientSecret = clientSecret
    }

    enum CodingKeys: String, CodingKey {
        case orgID = "org_id", clientID = "client_id", clientSecret = "client_secret"
        case softDeletedBlocksReuse = "soft_deleted_blocks_reuse", createStatus = "create_status"
        case duplicateStatus = "duplicate_status", faultRate = "fault_rate", rateLimit = "rate_limit"
        case latencyMilliseconds = "latency_ms", tokenLifetime = "token_lifetime", faultMode = "fault_mode"
        case listHideFraction = "list_hide_fraction", slowBodyBytesPerSecond = "slow_body_bytes_per_second"
        case gzipBombMiB = "gzip_bomb_mib"
    }

    /// When injected faults strike.
    package enum FaultMode: String, Codable, Sendable, CaseIterable {
        case mixed, before, after
    }

    /// The switches that `/_sandbox/faults` may change at run time, as a JSON object.
    package struct LiveSwitches: Codable, Sendable {
        package var softDeletedBlocksReuse: Bool?
        package var createStatus: Int?
        package var duplicateStatus: Int?
        package var faultRate: Double?
        package var rateLimit: Int?
        package var latencyMilliseconds: Int?
        package var tokenLifetime: Int?
        package var faultMode: FaultMode?
        package var listHideFraction: Double?
        /// 0 or less sends bodies at once again.
        package var slowBodyBytesPerSecond: Int?
        /// 0 or less stops the bombs.
        package var gzipBombMiB: Int?

        package init() {}

        enum CodingKeys: String, CodingKey {
            case softDeletedBlocksReuse = "soft_deleted_blocks_reuse", createStatus = "create_status"
            case duplicateStatus = "duplicate_status", faultRate = "fault_rate", rateLimit = "rate_limit"
            case latencyMilliseconds = "latency_ms", tokenLifetime = "token_lifetime", faultMode = "fault_mode"
            case listHideFraction = "list_hide_fraction", slowBodyBytesPerSecond = "slow_body_bytes_per_second"
            case gzipBombMiB = "gzip_bomb_mib"
        }
    }

    /// The options with the client secret masked, for the introspection routes.
    package var redacted: SandboxOptions {
        var copy = self
        copy.clientSecret = "<redacted>"
        return copy
    }

    /// Applies live switches; a `rate_limit` of 0 or less removes the limit.
    package mutating func apply(_ switches: LiveSwitches) {
        if let value = switches.softDeletedBlocksReuse { softDeletedBlocksReuse = value }
        if let value = switches.createStatus { createStatus = value }
        if let value = switches.duplicateStatus { duplicateStatus = value }
        if let value = switches.faultRate { faultRate = value }
        if let value = switches.rateLimit { rateLimit = value > 0 ? value : nil }
        if let value = switches.latencyMilliseconds { latencyMilliseconds = value }
        if let value = switches.tokenLifetime { tokenLifetime = value }
        if let value = switches.faultMode { faultMode = value }
        if let value = switches.listHideFraction { listHideFraction = min(max(value, 0), 1) }
        if let value = switches.slowBodyBytesPerSecond { slowBodyBytesPerSecond = value > 0 ? value : nil }
        if let value = switches.gzipBombMiB { gzipBombMiB = value > 0 ? value : nil }
    }
}
