import Synchronization
import TeamSyncCore

/// A `DirectorySource` that answers with the snapshot a test gives it (or the error).
package final class StaticDirectory: DirectorySource {
    private let current: Mutex<Result<DirectorySnapshot, any Error>>
    private let delay = Mutex(Duration.zero)

    /// Creates a directory holding `snapshot`.
    package init(_ snapshot: DirectorySnapshot) {
        current = Mutex(.success(snapshot))
    }

    /// Replaces what the next read returns.
    package func set(_ snapshot: DirectorySnapshot) { current.withLock { $0 = .success(snapshot) } }

    /// Makes the next reads fail.
    package func fail(with error: any Error) { current.withLock { $0 = .failure(error) } }

    /// Makes every later read take `duration` (a slow directory).
    package func setReadDelay(_ duration: Duration) { delay.withLock { $0 = duration } }

    package func readSnapshot() async throws -> DirectorySnapshot {
        let wait = delay.withLock { $0 }
        if wait > .zero { try await Task.sleep(for: wait) }
        return try current.withLock { try $0.get() }
    }
}
