import Foundation
import Logging
import SyncJournal
import TeamSyncCore

/// After each run that wrote to the audit log: a checkpoint of its head, signed when a key is
/// configured, stored in the journal (a `checkpoint` record), logged as one structured line
/// (journald keeps it outside the database) and appended to `journal.checkpoint_file` if set.
/// A checkpoint that cannot be made is logged as an error; the run's own outcome stands.
struct AuditCheckpointer: Sendable {
    var settings: AppConfiguration.Checkpoints
    var logger: Logger

    /// The most a checkpoint file may grow to before appending is refused (a runaway file, or
    /// the wrong path): 64 MiB, some 200,000 checkpoints.
    static let fileLimit: off_t = 64 << 20

    @discardableResult
    func afterRun(_ journal: SyncJournal, runID: String) async -> AuditCheckpoint? {
        let checkpoint: AuditCheckpoint
        do {
            guard let made = try await journal.appendCheckpoint(runID: runID, key: settings.key, now: Date()) else { return nil }
            checkpoint = made
        } catch {
            logger.error("audit checkpoint not made", metadata: ["error": "\(error)"])
            return nil
        }
        logger.notice("audit checkpoint", metadata: [
            "checkpoint": "\(checkpoint.line)", "seq": "\(checkpoint.seq)", "signed": "\(checkpoint.signature != nil)",
        ])
        if let file = settings.file {
            do {
                try Self.append(checkpoint.line + "\n", to: file)
            } catch {
                logger.error("audit checkpoint not written to journal.checkpoint_file", metadata: ["file": "\(file)", "error": "\(error)"])
            }
        }
        return checkpoint
    }

    struct AppendError: Error, CustomStringConvertible {
        var description: String
    }

    /// Appends `line` to a regular file (created 0644: a checkpoint is not a secret), never
    /// through a link, and flushes it to the disk.
    static func append(_ line: String, to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0o644)
        guard descriptor >= 0 else {
            throw AppendError(description: errno == ELOOP ? "is a symbolic link" : String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { throw AppendError(description: "is not a regular file") }
        guard info.st_size < fileLimit else { throw AppendError(description: "has reached \(fileLimit >> 20) MiB; rotate it") }
        let failure = ReportFile.writeAll(Array(line.utf8), to: descriptor)
        guard failure == 0 else { throw AppendError(description: String(cString: strerror(failure))) }
    }
}
