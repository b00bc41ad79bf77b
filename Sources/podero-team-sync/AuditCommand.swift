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
        @Option(help: "jsonl or csv.") var format: AuditExport.Format = .jsonl
        @Option(help: "From this time on (inclusive): RFC 3339, or a date YYYY-MM-DD (from the start of that UTC day).",
            transform: { try AuditCommand.time($0, "--since", endOfDay: false) })
        var since: Date?
        @Option(help: "Up to this time (inclusive): RFC 3339, or a date YYYY-MM-DD (to the end of that UTC day).",
            transform: { try AuditCommand.time($0, "--until", endOfDay: true) })
        var until: Date?
        @Option(help: "Write to this file instead of stdout.") var output: String?

        func run() async throws {
            let result = await AuditTool(environment: try global.environment(journalOnly: true)).export(format: format, since: since, until: until, output: output)
            try AuditCommand.finish(result)
        }
    }

    struct VerifyCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Recompute the audit log's hash chain: exit 0 when intact, 1 naming the first bad record.")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try AuditCommand.finish(await AuditTool(environment: try global.environment(journalOnly: true)).verify())
        }
    }

    static func time(_ text: String, _ option: String, endOfDay: Bool) throws -> Date {
        guard let date = AuditTool.parseTime(text, endOfDay: endOfDay) else {
            throw ValidationError("\(option) must be RFC 3339 (2026-11-29T10:00:00Z) or a date (2026-11-29)")
        }
        return date
    }

    static func finish(_ result: AuditTool.Result) throws {
        if let message = result.message {
            if result.status == .success { printLine(message) } else { printError(message) }
        }
        if result.status != .success { try podero_team_sync.finish(result.status) }
    }
}

extension AuditExport.Format: ExpressibleByArgument {}
