import Foundation
import LDAPDirectory
import Logging
import PoderoAPI
import TeamSyncCore

/// Loads the configuration and builds the adapters for one command.
package struct CommandEnvironment: Sendable {
    package var configuration: AppConfiguration
    package var logger: Logger

    /// Loads and validates `path`; warnings are logged at every start.
    package static func load(path: String?, logLevel: Logger.Level) throws -> CommandEnvironment {
        let file = path ?? AppConfiguration.defaultPath()
        let configuration = try ConfigurationLoader().load(path: file)
        let logger = makeLogger(level: logLevel, format: configuration.logFormat)
        for warning in configuration.warnings { logger.warning("\(warning)") }
        return CommandEnvironment(configuration: configuration, logger: logger)
    }

    /// A logger writing to stderr in `format`.
    package static func makeLogger(level: Logger.Level, format: AppConfiguration.LogFormat) -> Logger {
        Logger(label: "podero-team-sync") { label in StderrLogHandler(label: label, level: level, format: format) }
    }

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
