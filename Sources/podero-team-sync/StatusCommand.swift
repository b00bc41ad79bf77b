import ArgumentParser
import TeamSyncApp

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Last runs and the last good read, managed accounts per role, pending departures and cases that need a human, from the journal alone.")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let environment = try global.environment(journalOnly: true)
        do {
            var report = try await StatusReport.load(journal: environment.openJournalReadOnly(), grace: environment.configuration.policy.departureGrace)
            report.expiryNotice = environment.configuration.review.expiryNotice
            print(json ? report.json : report.text)
        } catch {
            printError("status failed: \(error)")
            try finish(.fatal)
        }
    }
}
