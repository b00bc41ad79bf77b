import ArgumentParser
import Foundation
import SyncJournal
import TeamSyncApp

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Export or verify the hash-chained audit log; make the key that signs its checkpoints.",
        subcommands: [ExportCommand.self, VerifyCommand.self, KeygenCommand.self])

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
            abstract: "Recompute the audit log's hash chain: exit 0 when intact, 1 naming the first bad record.",
            discussion: """
                With --public-key, every checkpoint the journal holds must be signed by that key; with \
                --checkpoints, the checkpoint lines of FILE (as appended to journal.checkpoint_file, or \
                as logged: journalctl -u podero-team-sync -o cat) are checked too. A checkpoint whose \
                seq is beyond the log's end (a cut tail, or a database restored from an older copy), \
                whose record is another one, that names another journal (a replaced database), or that \
                the key did not sign: exit 1 naming it.
                """)

        @OptionGroup var global: GlobalOptions
        @Option(name: .customLong("public-key"), help: ArgumentHelp("The checkpoint key's public half (PEM, as audit keygen writes FILE.pub).", valueName: "KEY.pub"))
        var publicKey: String?
        @Option(help: ArgumentHelp("Checkpoint lines to check against the journal; - reads stdin.", valueName: "FILE|-"))
        var checkpoints: String?

        func run() async throws {
            let tool = AuditTool(environment: try global.environment(journalOnly: true))
            try AuditCommand.finish(await tool.verify(publicKeyFile: publicKey, checkpointsFile: checkpoints))
        }
    }

    struct KeygenCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "keygen",
            abstract: "Make an Ed25519 key for signing audit checkpoints.",
            discussion: """
                FILE gets the private key (one line, mode 0600; never overwritten), FILE.pub the \
                public key (PEM), which is also printed. Name FILE in journal.checkpoint_key_file, or \
                pass it as the systemd credential audit-signing-key; give FILE.pub to the auditors.
                """)

        @Option(help: ArgumentHelp("Where to write the private key.", valueName: "FILE")) var output: String

        func run() async throws {
            try AuditCommand.finish(AuditTool.keygen(output: output))
        }
    }

    static func time(_ text: String, _ option: String, endOfDay: Bool) throws -> Date {
        guard let date = AuditTool.parseTime(text, endOfDay: endOfDay) else {
            throw ValidationError("\(option) must be RFC 3339 (2026-11-29T10:00:00Z) or a date (2026-11-29)")
        }
        return date
    }

    static func finish(_ result: AuditTool.Result) throws {
        // Line by line: each is escaped on its own (what came from outside was escaped where it was put in).
        for line in result.message?.split(separator: "\n", omittingEmptySubsequences: false) ?? [] {
            if result.status == .success { printLine(String(line)) } else { printError(String(line)) }
        }
        if result.status != .success { try podero_team_sync.finish(result.status) }
    }
}

extension AuditExport.Format: ExpressibleByArgument {}
