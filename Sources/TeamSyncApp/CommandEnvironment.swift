import Foundation
import LDAPDirectory
import Logging
import PoderoAPI
import SyncJournal
import TeamSyncCore

/// Loads the configuration and builds the adapters for one command.
package struct CommandEnvironment: Sendable {
    package var configuration: AppConfiguration
    package var logger: Logger

    /// Loads and validates `path`; warnings are logged at every start.
    /// `readsSecrets: false` for commands that only read the journal: no secret file is opened.
    package static func load(path: String?, logLevel: Logger.Level, readsSecrets: Bool = true) throws -> CommandEnvironment {
        let file = path ?? AppConfiguration.defaultPath()
        var loader = ConfigurationLoader()
        loader.readsSecrets = readsSecrets
        let configuration = try loader.load(path: file)
        let logger = makeLogger(level: logLevel, format: configuration.logFormat)
        for warning in configuration.warnings { logger.warning("\(warning)") }
        return CommandEnvironment(configuration: configuration, logger: logger)
    }

    /// A logger writing to stderr in `format`.
    package static func makeLogger(level: Logger.Level, format: AppConfiguration.LogFormat) -> Logger {
        Logger(label: "podero-team-sync") { label in StderrLogHandler(label: label, level: level, format: format) }
    }

    /// Opens the journal for a run, creating and migrating it when needed. The one place where
    /// the journal is opened for writing.
    package func openJournal() throws -> SyncJournal {
        try SyncJournal.open(path: configuration.journalPath)
    }

    /// Opens the journal without changing anything (`plan`, `status`, `audit`); nil before the
    /// first sync. The one place where it is opened for reading.
    package func openJournalReadOnly() throws -> SyncJournal? {
        try SyncJournal.openReadOnly(path: configuration.journalPath)
    }

    /// `plan --out FILE`: the plan file of `preview`, written as a new private file.
    package func writePlanFile(_ preview: SyncCycle.Preview, to path: String) async throws -> PlanFile {
        let journalID = try await openJournalReadOnly()?.journalID() ?? "none"
        let file = PlanFile(preview: preview, configuration: configuration, journalID: journalID)
        try ReportFile.write(file.render(preview), to: path)
        return file
    }

    /// `sync --plan FILE`: the file, checked against this configuration and journal.
    package func loadPlanFile(_ path: String, journal: SyncJournal) async throws -> PlanFile {
        let file = try PlanFile.load(path: path)
        try file.check(configuration: configuration, journalID: try await journal.journalID())
        return file
    }

    /// `plan`: reads everything and plans, writing nothing.
    package func preview() async throws -> SyncCycle.Preview {
        let journal = try openJournalReadOnly()
        return try await withCycle { cycle, _, _ in try await cycle.preview(journal: journal) }
    }

    /// `sync` and each cycle of `run`: one pass against the read-write journal.
    /// `journal`: the journal the caller keeps open (`run`); one process never opens the
    /// journal twice, since closing any descriptor of the file drops the process's SQLite locks.
    /// `notifier`: where a held set, blocked restores and a failed run are posted (not for a
    /// dry run); `reportFailure` false for a failure that repeats the last cycle's.
    package func sync(dryRun: Bool, maxDeletionsOverride: Int?, command: String, journal open: SyncJournal? = nil,
                      notifier: WebhookNotifier? = nil, reportFailure: Bool = true, listed: ListedDepartures? = nil,
                      shouldStop: @escaping @Sendable () -> Bool = { false }) async -> SyncCycle.Outcome {
        let outcome: SyncCycle.Outcome
        var blocked: [ManagedAccount] = []
        do {
            let journal = try open ?? openJournal()
            outcome = try await withCycle { cycle, _, _ in
                var cycle = cycle
                cycle.shouldStop = shouldStop
                return await cycle.sync(journal: journal, dryRun: dryRun, maxDeletionsOverride: maxDeletionsOverride, command: command,
                    listed: listed)
            }
            await checkpointer.afterRun(journal, runID: outcome.runID)
            if notifier != nil, !dryRun, outcome.report?.count(of: .restoreBlocked, .refused) ?? 0 > 0 {
                // The restores this run tried and Podero refused: one notification each.
                let restores = Set(outcome.plan?.actions.filter(\.isRestore).map(\.person) ?? [])
                blocked = (try? await journal.managedAccounts(externalIDs: restores, lastDNs: [])) ?? []
            }
        } catch {
            outcome = SyncCycle.Outcome(exitStatus: .fatal, summary: "\(error)", runID: "-", errorSystem: "journal")
        }
        if !dryRun { notifier?.post(WebhookEvent.events(for: outcome, command: command, blocked: blocked, reportFailure: reportFailure)) }
        return outcome
    }

    /// The notifier of `notify.webhook_url`, when one is configured.
    package func makeNotifier() -> WebhookNotifier? {
        configuration.webhook.map { WebhookNotifier(settings: $0, logger: logger) }
    }

    /// Leaves a checkpoint of the audit log after a run.
    var checkpointer: AuditCheckpointer { AuditCheckpointer(settings: configuration.checkpoints, logger: logger) }

    /// Runs `body` with the directory, a Podero client and a sync cycle; the client is shut down after.
    package func withCycle<T: Sendable>(_ body: (SyncCycle, LDAPDirectory, PoderoClient) async throws -> T) async throws -> T {
        let directory = LDAPDirectory(settings: configuration.directory, logger: logger)
        let client = PoderoClient(settings: configuration.podero, logger: logger)
        let cycle = SyncCycle(configuration: configuration, directory: directory, provider: client, logger: logger)
        do {
            let result = try await body(cycle, directory, client)
            try? await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}
