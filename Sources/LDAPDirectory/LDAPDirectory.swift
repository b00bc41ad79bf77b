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
                    try LDAPConnection.bound(settings: settings).close()
                })
            }
        }
    }
}

extension LDAPDirectory {
    /// Why `directory.accesslog_base` cannot be used, or nil when the bind account can read it
    /// (a base search of it finds the entry). `run` then reads changed groups whole.
    package func accesslogProblem() async -> String? {
        guard let base = settings.accesslogBase else { return nil }
        let settings = self.settings
        return await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .utility).async {
                do {
                    let connection = try LDAPConnection.bound(settings: settings)
                    defer { connection.close() }
                    var found = 0
                    try connection.pagedSearch(.entry(base, attributes: ["1.1"], purpose: "read directory.accesslog_base", timeout: settings.timeout)) { _ in
                        found += 1
                    }
                    continuation.resume(returning: found == 1 ? nil : "directory.accesslog_base \(base) is not visible to the bind account")
                } catch {
                    continuation.resume(returning: "directory.accesslog_base \(base) cannot be read: \(error)")
                }
            }
        }
    }

    /// What the root DSE says that matters for choosing a watch.
    package struct RootDSE: Sendable {
        /// `supportedControl`.
        package var controls: Set<String>
        /// `defaultNamingContext` (Active Directory), where DirSync must start.
        package var defaultNamingContext: String?
    }

    /// Reads the server's root DSE (`supportedControl`, `defaultNamingContext`).
    package func rootDSE() async throws -> RootDSE {
        let settings = self.settings
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .utility).async {
                continuation.resume(with: Result {
                    let connection = try LDAPConnection.bound(settings: settings)
                    defer { connection.close() }
                    var root = RootDSE(controls: [], defaultNamingContext: nil)
                    let names = CStringList(["supportedControl", "defaultNamingContext"])
                    try connection.pagedSearch(.entry("", attributes: ["supportedControl", "defaultNamingContext"], purpose: "read the root DSE",
                        timeout: settings.timeout)) { entry in
                        root.controls.formUnion(entry.strings(names[0]))
                        root.defaultNamingContext = entry.firstString(names[1])
                    }
                    return root
                })
            }
        }
    }

    /// The RFC 4533 sync request control.
    package static let syncControlOID = "1.3.6.1.4.1.4203.1.9.1.1"
    /// Active Directory's DirSync control.
    package static let dirSyncControlOID = "1.2.840.113556.1.4.841"
}
