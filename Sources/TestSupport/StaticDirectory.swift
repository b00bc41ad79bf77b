import Synchronization
import TeamSyncCore

/// A `DirectorySource` that answers with the snapshot a test gives it (or the error).
package final class StaticDirectory: DirectorySource {
    private let current: Mutex<Result<DirectorySnapshot, any Error>>

    /// Creates a directory holding `snapshot`.
    package init(_ snapshot: DirectorySnapshot) {
        current = Mutex(.success(snapshot))
    }

    /// Replaces what the next read returns.
    package func set(_ snapshot: DirectorySnapshot) { current.withLock { $0 = .success(snapshot) } }

    /// Makes the next reads fail.
    package func fail(with error: any Error) { current.withLock { $0 = .failure(error) } }

    package func readSnapshot() async throws -> DirectorySnapshot {
        try current.withLock { try $0.get() }
    }
}
