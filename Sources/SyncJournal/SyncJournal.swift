import Foundation
import GRDB
import TeamSyncCore

/// The SQLite journal: managed accounts (our ownership registry), runs, write-ahead intents, the
/// hash-chained audit log, cases that need a human, and the run lease. One file, WAL mode, 0600.
package final class SyncJournal: JournalStore {
    let database: DatabaseQueue
    /// The journal file.
    package let path: String

    private init(database: DatabaseQueue, path: String) {
        self.database = database
        self.path = path
    }

    /// Opens (creating with mode 0600 when missing) and migrates the journal.
    package static func open(path: String) throws -> SyncJournal {
        do {
            try checkExisting(path)
            try createPrivately(path)
            var configuration = Configuration()
            configuration.journalMode = .wal
            configuration.busyMode = .timeout(10)
            configuration.label = "journal"
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
            let database = try DatabaseQueue(path: path, configuration: configuration)
            try JournalSchema.migrator.migrate(database)
            return SyncJournal(database: database, path: path)
        } catch let error as JournalError {
            throw error
        } catch {
            throw JournalError(.cannotOpen, "journal.path \(path) cannot be opened: \(Self.plain(error))")
        }
    }

    /// Opens an existing journal without changing anything (for `plan` and `status`); nil when
    /// the file does not exist yet.
    package static func openReadOnly(path: String) throws -> SyncJournal? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        try checkExisting(path)
        do {
            var configuration = Configuration()
            configuration.readonly = true
            configuration.busyMode = .timeout(10)
            let database = try DatabaseQueue(path: path, configuration: configuration)
            let migrated = try database.read { db in try JournalSchema.migrator.hasCompletedMigrations(db) }
            guard migrated else {
                throw JournalError(.cannotOpen, "journal.path \(path) was written by a newer or older version; run sync once to migrate it")
            }
            return SyncJournal(database: database, path: path)
        } catch let error as JournalError {
            throw error
        } catch {
            throw JournalError(.cannotOpen, "journal.path \(path) cannot be read: \(Self.plain(error))")
        }
    }

    /// An existing journal must be a regular file with content: SQLite would silently make an
    /// empty file (truncated by accident, or by someone covering their tracks) a new journal,
    /// and the history and the ownership of every account would be gone.
    static func checkExisting(_ path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { return }  // missing: created below
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw JournalError(.cannotOpen, "journal.path \(path) is not a regular file")
        }
        guard info.st_size > 0 else {
            throw JournalError(.cannotOpen, "journal.path \(path) exists but is empty (0 bytes): the journal's history and the list of accounts it manages would be lost. Restore it from a backup, or move the empty file away to start a new journal")
        }
    }

    /// Creates the file with mode 0600 before SQLite does (its -wal and -shm files take the same
    /// mode), and tightens an existing file that is readable by others.
    private static func createPrivately(_ path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let descriptor = Foundation.open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw JournalError(.cannotOpen, "journal.path \(path) cannot be created: \(String(cString: strerror(errno)))")
        }
        fchmod(descriptor, 0o600)
        close(descriptor)
    }

    static func plain(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "SQLite error \(error.resultCode.rawValue)" }
        return String(describing: error)
    }
}
