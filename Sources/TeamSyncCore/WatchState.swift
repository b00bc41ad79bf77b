import Foundation

/// The cookie of a directory watch, stored with what was applied from it. `scope` names the
/// server and search it belongs to: a cookie of another scope is never sent.
package struct WatchCookie: Sendable, Equatable {
    package var scope: String
    package var bytes: [UInt8]

    /// Creates a cookie.
    package init(scope: String, bytes: [UInt8]) {
        self.scope = scope
        self.bytes = bytes
    }
}

/// How the watch of `run` is doing, as `status` shows it.
package struct WatchStatus: Sendable, Equatable {
    /// `syncrepl`, or `off` (with the reason in `detail`).
    package var mode: String
    package var connected: Bool
    /// Why the watch is off or down, when it is.
    package var detail: String?
    /// When the last change arrived from the directory.
    package var lastChangeAt: Date?
    /// When the last change was applied, and how long after it arrived.
    package var lastAppliedAt: Date?
    package var lagSeconds: Double?
    /// Departures the window's limits kept back, and since when.
    package var refusedDepartures: Int
    package var refusedSince: Date?
    package var updatedAt: Date

    /// Creates a status.
    package init(mode: String, connected: Bool, detail: String? = nil, lastChangeAt: Date? = nil, lastAppliedAt: Date? = nil,
                 lagSeconds: Double? = nil, refusedDepartures: Int = 0, refusedSince: Date? = nil, updatedAt: Date) {
        self.mode = mode
        self.connected = connected
        self.detail = detail
        self.lastChangeAt = lastChangeAt
        self.lastAppliedAt = lastAppliedAt
        self.lagSeconds = lagSeconds
        self.refusedDepartures = refusedDepartures
        self.refusedSince = refusedSince
        self.updatedAt = updatedAt
    }
}
