import ArgumentParser
import TeamSyncApp
import TeamSyncCore

/// `approve ID [--only EXTERNAL_ID…]`: lets the named departures of a held set go.
struct ApproveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Approve the departures of a held set by name: the next cycle (within seconds for a running `run`) applies exactly those still due.",
        discussion: """
            When the safety limits refuse departures, the people are kept as a held set with a short id (status lists them).
            Approving records the operator (SUDO_USER, else the login name, else the uid) in the audit log (action approved).
            Someone back in the directory in between is not touched; nobody outside the set is deleted beyond the normal limits.
            Run it as the journal's owner: sudo -u podero-team-sync podero-team-sync approve ID.
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The held set's id (status lists them).") var id: String
    @Option(name: .customLong("only"), parsing: .upToNextOption, help: "Approve only these people of the set (external ids); the others still await a decision.")
    var only: [String] = []

    func run() async throws {
        try await HeldSetCommand.decide(global: global, id: id, .approved, only: only)
    }
}

/// `reject ID [--only EXTERNAL_ID…]`: drops a held set.
struct RejectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reject",
        abstract: "Reject the departures of a held set: they stay refused, and are not offered for approval again while they stay departing.",
        discussion: "Records the operator in the audit log (action rejected). Run it as the journal's owner, like approve.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The held set's id (status lists them).") var id: String
    @Option(name: .customLong("only"), parsing: .upToNextOption, help: "Reject only these people of the set (external ids).")
    var only: [String] = []

    func run() async throws {
        try await HeldSetCommand.decide(global: global, id: id, .rejected, only: only)
    }
}

enum HeldSetCommand {
    static func decide(global: GlobalOptions, id: String, _ decision: HeldSet.Decision, only: [String]) async throws {
        let environment = try global.environment(journalOnly: true)
        let decider = HeldSetDecider(environment: environment)
        do {
            for line in try await decider.decide(id, decision, only: only, by: HeldSetDecider.currentOperator()) { printLine(line) }
        } catch let error as HeldSetDecisionError {
            printError("\(decision == .approved ? "approve" : "reject") refused: \(error)")
            try finish(.usage)
        } catch {
            printError("\(decision == .approved ? "approve" : "reject") failed: \(error)")
            try finish(.fatal)
        }
    }
}
