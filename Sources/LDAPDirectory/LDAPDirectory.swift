import Dispatch
import Logging
import TeamSyncCore

/// The LDAP / Active Directory adapter of the `DirectorySource` port.
package struct LDAPDirectory: DirectorySource {
    /// What to read and how.
    package let settings: LDAPSettings
    private let logger: Logger
    /// libldap calls block; they run here, off Swift's cooperative thread pool.
    private let queue: DispatchQueue

    /// Creates the adapter; nothing is contacted until `readSnapshot()`.
    package init(settings: LDAPSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
        self.queue = DispatchQueue(label: "podero-team-sync.ldap", qos: .utility)
    }

    package func readSnapshot() async throws -> DirectorySnapshot {
        let reader = DirectoryReader(settings: settings, logger: logger)
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try reader.read() })
            }
        }
    }

    /// Connects and binds only: `check-config --connect`.
    package func checkConnection() async throws {
        let settings = self.settings
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            queue.async {
                continuation.resume(with: Result {
                    let connection = try LDAPConnection(settings: settings)
                    defer { connection.close() }
                    if settings.startTLS { try connection.startTLS() }
                    try connection.bind()
                })
            }
        }
    }
}
