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
    package func export(format: AuditExport.Format, since: Date?, until: Date?, output: String?) async -> Result {
        let handle: FileHandle
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: nil, attributes: [.posixPermissions: 0o600]),
                let file = FileHandle(forWritingAtPath: output)
            else { return Result(status: .fatal, message: "--output \(output) cannot be written") }
            handle = file
        } else {
            handle = FileHandle.standardOutput
        }
        do {
            let writer = AuditExport(format: format, output: handle)
            try await environment.openJournalReadOnly()?.forEachAuditRecord(since: since, until: until) { writer.write($0) }
            writer.finish()
            return Result(status: .success, message: nil)
        } catch {
            return Result(status: .fatal, message: "audit export failed: \(error)")
        }
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
