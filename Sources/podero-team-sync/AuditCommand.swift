import ArgumentParser
import Foundation
import SyncJournal
import TeamSyncApp

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Export or verify the hash-chained audit log.",
        subcommands: [ExportCommand.self, VerifyCommand.self])

    struct ExportCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Stream the audit log, oldest first (default JSON Lines to stdout).")

        @OptionGroup var global: GlobalOptions
        @Option(help: "jsonl or csv.") var format: String = "jsonl"
        @Option(help: "From this time on (inclusive): RFC 3339, or a date YYYY-MM-DD (from the start of that UTC day).") var since: String?
        @Option(help: "Up to this time (inclusive): RFC 3339, or a date YYYY-MM-DD (to the end of that UTC day).") var until: String?
        @Option(help: "Write to this file instead of stdout.") var output: String?

        func validate() throws {
            guard AuditExport.Format(rawValue: format) != nil else { throw ValidationError("--format must be jsonl or csv") }
            if let since, AuditTimeArgument.parse(since, endOfDay: false) == nil {
                throw ValidationError("--since must be RFC 3339 (2026-11-29T10:00:00Z) or a date (2026-11-29)")
            }
            if let until, AuditTimeArgument.parse(until, endOfDay: true) == nil {
                throw ValidationError("--until must be RFC 3339 (2026-11-29T10:00:00Z) or a date (2026-11-29)")
            }
        }

        func run() async throws {
            let environment = try global.environment()
            let handle: FileHandle
            if let output {
                guard FileManager.default.createFile(atPath: output, contents: nil, attributes: [.posixPermissions: 0o600]),
                    let file = FileHandle(forWritingAtPath: output)
                else {
                    printError("--output \(output) cannot be written")
                    try finish(.fatal)
                }
                handle = file
            } else {
                handle = FileHandle.standardOutput
            }
            do {
                guard let journal = try SyncJournal.openReadOnly(path: environment.configuration.journalPath) else {
                    if format == "csv" { AuditExport(format: .csv, output: handle).finish() }
                    return
                }
                let writer = AuditExport(format: AuditExport.Format(rawValue: format)!, output: handle)
                try await journal.forEachAuditRecord(
                    since: since.flatMap { AuditTimeArgument.parse($0, endOfDay: false) },
                    until: until.flatMap { AuditTimeArgument.parse($0, endOfDay: true) }) { writer.write($0) }
                writer.finish()
            } catch {
                printError("audit export failed: \(error)")
                try finish(.fatal)
            }
        }
    }

    struct VerifyCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Recompute the audit log's hash chain: exit 0 when intact, 1 naming the first bad record.")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let environment = try global.environment()
            do {
                guard let journal = try SyncJournal.openReadOnly(path: environment.configuration.journalPath) else {
                    print("audit log intact: 0 records (no journal yet)")
                    return
                }
                switch try await journal.verifyAudit() {
                case .intact(let records):
                    print("audit log intact: \(records) records")
                case .broken(let seq, let reason):
                    printError("audit log broken at seq \(seq): \(reason)")
                    try finish(.fatal)
                }
            } catch let exit as ExitCode {
                throw exit
            } catch {
                printError("audit verify failed: \(error)")
                try finish(.fatal)
            }
        }
    }
}

/// `--since` / `--until`: RFC 3339, or a bare date meaning that whole UTC day.
enum AuditTimeArgument {
    static func parse(_ text: String, endOfDay: Bool) -> Date? {
        if let date = AuditTime.parse(text) { return date }
        guard text.count == 10, let day = AuditTime.parse(text + "T00:00:00Z") else { return nil }
        return endOfDay ? day.addingTimeInterval(86_399) : day
    }
}
