import Foundation
import Synchronization

/// A clock that stands still until a test moves it.
package final class FixedClock: Sendable {
    private let current: Mutex<Date>

    /// Creates a clock showing `start`.
    package init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        current = Mutex(start)
    }

    /// The time it shows.
    package var now: Date { current.withLock { $0 } }

    /// Moves it forward.
    package func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    /// `now` as a closure, for the types that take one.
    package var read: @Sendable () -> Date { { [self] in now } }
}
