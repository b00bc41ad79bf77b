import Foundation
import SyncJournal
import TeamSyncCore

/// `audit export` and `audit verify`, from the journal alone (opened read-only).
package struct AuditTool: Sendable {
    package var environment: CommandEnvironment

    package init(environment: CommandEnvironment) {
        self.environment = environment
    }

    /// What a command prints and how it exits.
    package struct Result: Sendable {
        package var status: ExitStatus
        /// For stdout on success, stderr otherwise (nil: nothing to print).
        package var message: String?
    }

    /// Streams the records between `since` and `until` (inclusive) to `output`, or to stdout.
    /// `--output` must be a new or regular file, never a link or a device: it is opened in
    /// place (no rename over whatever is there), created with mode 0600. On a write error (a
    /// full disk) the partial file is removed and the command exits 1 saying why.
    package func export(format: AuditExport.Format, since: Date?, until: Date?, output: String?) async -> Result {
        let descriptor: Int32
        if let output {
            switch Self.openOutput(output) {
            case .success(let opened): descriptor = opened
            case .failure(let problem): return Result(status: .fatal, message: "--output \(output) \(problem.reason)")
            }
        } else {
            descriptor = STDOUT_FILENO
        }
        defer { if output != nil { close(descriptor) } }
        do {
            let writer = try AuditExport(format: format, descriptor: descriptor)
            try await environment.openJournalReadOnly()?.forEachAuditRecord(since: since, until: until) { try writer.write($0) }
            try writer.finish()
            return Result(status: .success, message: nil)
        } catch {
            if let output { unlink(output) }
            return Result(status: .fatal, message: "audit export failed\(output.map { " (the partial \($0) was removed)" } ?? ""): \(error)")
        }
    }

    private struct OutputProblem: Error {
        var reason: String
    }

    /// Opens (creating with 0600, or truncating) a regular file; links, devices, FIFOs and
    /// directories are refused before anything is written.
    private static func openOutput(_ path: String) -> Swift.Result<Int32, OutputProblem> {
        var info = stat()
        if lstat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFREG else {
                let kind = info.st_mode & S_IFMT == S_IFLNK ? "a symbolic link" : "not a regular file"
                return .failure(OutputProblem(reason: "is \(kind); name a new or regular file"))
            }
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0o600)
        guard descriptor >= 0 else { return .failure(OutputProblem(reason: "cannot be written (\(String(cString: strerror(errno))))")) }
        var opened = stat()
        guard fstat(descriptor, &opened) == 0, opened.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            return .failure(OutputProblem(reason: "is not a regular file; name a new or regular file"))
        }
        return .success(descriptor)
    }

    /// Recomputes the hash chain.
    package func verify() async -> Result {
        do {
            guard let journal = try environment.openJournalReadOnly() else {
                return Result(status: .success, message: "audit log intact: 0 records (no journal yet)")
            }
            switch try await journal.verifyAudit() {
            case .intact(let records):
                return Result(status: .success, message: "audit log intact: \(records) records")
            case .broken(let seq, let reason):
                return Result(status: .fatal, message: "audit log broken at seq \(seq): \(reason)")
            }
        } catch {
            return Result(status: .fatal, message: "audit verify failed: \(error)")
        }
    }

    /// `--since` / `--until`: RFC 3339, or a bare date meaning that whole UTC day.
    package static func parseTime(_ text: String, endOfDay: Bool) -> Date? {
        if let date = AuditTime.parse(text) { return date }
        guard text.count == 10, let day = AuditTime.parse(text + "T00:00:00Z") else { return nil }
        return endOfDay ? day.addingTimeInterval(86_399) : day
    }
}
