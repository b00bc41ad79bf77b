import ArgumentParser
import TeamSyncApp

struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate the configuration and report every problem at once (exit 78 when invalid).")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Also bind to the directory and obtain a Podero token, and say which one failed (exit 1).")
    var connect = false

    func run() async throws {
        let environment = try global.environment()
        guard connect else {
            print("configuration is valid")
            return
        }
        let failures = try await environment.withCycle { _, directory, client -> [String] in
            var failures: [String] = []
            do { try await directory.checkConnection() } catch { failures.append("directory: \(error)") }
            do { try await client.checkConnection() } catch { failures.append("podero: \(error)") }
            return failures
        }
        if failures.isEmpty {
            print("configuration is valid; the directory bind and the Podero token both work")
            return
        }
        for failure in failures { printError(failure) }
        try finish(.fatal)
    }
}
