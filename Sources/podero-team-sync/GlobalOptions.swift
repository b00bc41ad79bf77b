import ArgumentParser
import Foundation
import Logging
import TeamSyncApp
import TeamSyncCore

/// `--config` and `--log-level`, accepted by every subcommand.
struct GlobalOptions: ParsableArguments {
    @Option(help: "The configuration file (default: $PODERO_TEAM_SYNC_CONFIG, else /etc/podero-team-sync/config.yaml).")
    var config: String?

    @Option(help: "trace, debug, info, notice, warning or error.")
    var logLevel: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be trace, debug, info, notice, warning or error")
        }
    }

    var level: Logger.Level { Logger.Level(rawValue: logLevel) ?? .info }

    /// Loads the configuration, or exits 78 with one line per problem. `journalOnly`: for the
    /// commands that read the journal alone (`status`, `audit`), no secret file is read.
    func environment(journalOnly: Bool = false) throws -> CommandEnvironment {
        do {
            return try CommandEnvironment.load(path: config, logLevel: level, readsSecrets: !journalOnly)
        } catch let error as ConfigurationError {
            for problem in error.problems { printError(problem.description) }
            throw ExitCode(ExitStatus.configuration.rawValue)
        }
    }
}

/// One line on stderr, control characters escaped (errors carry text from the directory and Podero).
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text.escapingControlCharacters + "\n").utf8))
}

/// One line on stdout, control characters escaped.
func printLine(_ text: String) {
    print(text.escapingControlCharacters)
}

/// Ends the command with an exit status of CONTRACT.md.
func finish(_ status: ExitStatus) throws -> Never {
    throw ExitCode(status.rawValue)
}
