import ArgumentParser
import SyncJournal
import TeamSyncApp

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "One reconciliation pass, then exit.")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Plan and record the would-be actions in the audit log as `planned`; no write to Podero.") var dryRun = false
    @Option(help: "Replace the deletion limits (per run, per day, and the shrink guard) for this run only: delete at most N.")
    var maxDeletions: Int?
    @Option(name: .customLong("plan"), help: ArgumentHelp("Apply the departures a `plan --out` FILE lists that are still due, and no other departure; refused when FILE is from another configuration, organisation or journal, was edited, or is older than sync.plan_max_age.", valueName: "file"))
    var planFile: String?

    func validate() throws {
        if let maxDeletions, maxDeletions < 0 { throw ValidationError("--max-deletions must be 0 or more") }
        if maxDeletions != nil && planFile != nil { throw ValidationError("--plan and --max-deletions cannot be combined: the file already names who may go") }
    }

    func run() async throws {
        let environment = try global.environment()
        var listed: ListedDepartures?
        var journal: SyncJournal?
        if let planFile {
            do {
                let open = try environment.openJournal()
                listed = try await environment.loadPlanFile(planFile, journal: open).listed
                journal = open
            } catch {
                printError("sync --plan refused: \(error)")
                try finish(.usage)
            }
        }
        let notifier = dryRun ? nil : environment.makeNotifier()
        let outcome = await environment.sync(dryRun: dryRun, maxDeletionsOverride: maxDeletions, command: "sync", journal: journal,
            notifier: notifier, listed: listed)
        // Notifications are posted in the background; the command waits for them, briefly.
        await notifier?.finish(within: .seconds(10))
        if outcome.exitStatus == .fatal { printError(outcome.summary) } else { printLine(outcome.summary) }
        if outcome.exitStatus != .success { try finish(outcome.exitStatus) }
    }
}
