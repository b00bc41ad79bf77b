import Foundation
import Synchronization

/// Counts requests in flight (and the most seen at once) and keeps a bounded request log, so
/// that tests can check what the client did.
package final class SandboxMonitor: Sendable {
    /// One logged request.
    package struct Entry: Codable, Sendable, Equatable {
        package var method: String
        package var path: String
        package var status: Int
        /// When the request arrived, in seconds since 1970 (for latency benchmarks).
        package var at: Double
    }

    /// Counters.
    package struct Stats: Codable, Sendable, Equatable {
        package var requests = 0
        package var inFlight = 0
        package var maxInFlight = 0
        package var faults = 0
        package var rateLimited = 0

        enum CodingKeys: String, CodingKey {
            case requests, faults
            case inFlight = "in_flight", maxInFlight = "max_in_flight", rateLimited = "rate_limited"
        }
    }

    private struct Guarded {
        var stats = Stats()
        var log: [Entry] = []
        var window: (second: Int, count: Int) = (0, 0)
    }

    private let guarded = Mutex(Guarded())
    private static let logLimit = 200_000

    package init() {}

    /// Counts a request that arrived; returns when it did.
    func begin() -> Date {
        let now = Date()
        guarded.withLock {
            $0.stats.requests += 1
            $0.stats.inFlight += 1
            $0.stats.maxInFlight = max($0.stats.maxInFlight, $0.stats.inFlight)
        }
        return now
    }

    func end(method: String, path: String, status: Int, arrived: Date) {
        guarded.withLock {
            $0.stats.inFlight -= 1
            if status == 429 { $0.stats.rateLimited += 1 }
            if $0.log.count < Self.logLimit { $0.log.append(Entry(method: method, path: path, status: status, at: arrived.timeIntervalSince1970)) }
        }
    }

    func countFault() { guarded.withLock { $0.stats.faults += 1 } }

    /// True when this request is over the per-second limit.
    func overRateLimit(_ limit: Int?) -> Bool {
        guard let limit else { return false }
        let second = Int(Date().timeIntervalSince1970)
        return guarded.withLock {
            if $0.window.second != second { $0.window = (second, 0) }
            $0.window.count += 1
            return $0.window.count > limit
        }
    }

    package var stats: Stats { guarded.withLock { $0.stats } }
    package var log: [Entry] { guarded.withLock { $0.log } }

    /// Clears counters (keeping requests in flight) and the log.
    package func reset() {
        guarded.withLock {
            let inFlight = $0.stats.inFlight
            $0 = Guarded()
            $0.stats.inFlight = inFlight
        }
    }
}
