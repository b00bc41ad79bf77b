import ArgumentParser
import TeamSyncApp

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "One reconciliation pass, then exit.")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Plan and record the would-be actions in the audit log as `planned`; no write to Podero.") var dryRun = false
    @Option(help: "Replace the deletion limits (per run, per day, and the shrink guard) for this run only: delete at most N.")
    var maxDeletions: Int?

    func validate() throws {
        if let maxDeletions, maxDeletions < 0 { throw ValidationError("--max-deletions must be 0 or more") }
    }

    func run() async throws {
        let environment = try global.environment()
        let outcome = await environment.sync(dryRun: dryRun, maxDeletionsOverride: maxDeletions, command: "sync")
        if outcome.exitStatus == .fatal { printError(outcome.summary) } else { printLine(outcome.summary) }
        if outcome.exitStatus != .success { try finish(outcome.exitStatus) }
    }
}
