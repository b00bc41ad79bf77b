import ArgumentParser
import TeamSyncApp
import TeamSyncCore

struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate the configuration and report every problem at once (exit 78 when invalid).")

    @OptionGroup var global: GlobalOptions
    @Flag(help: """
        Also bind to the directory, read it once, and obtain a Podero token; say which one failed (exit 1). \
        Warns about configured attributes that no entry shows (the bind account may not read them); \
        an unreadable external id or e-mail attribute fails.
        """)
    var connect = false

    func run() async throws {
        let environment = try global.environment()
        guard connect else {
            print("configuration is valid")
            return
        }
        let configuration = environment.configuration
        let (failures, warnings, people, watch) = try await environment.withCycle { _, directory, client -> ([String], [String], Int?, String) in
            var failures: [String] = []
            var warnings: [String] = []
            var people: Int?
            let (kind, reason) = await WatchEngine.choose(configuration) { try await directory.rootDSE() }
            var watch = kind == nil ? "watch: off: \(reason)" : "watch: \(reason), on \(configuration.directory.url)"
            if case .dirSync = kind {
                // DirSync is only known to work once the bind account has asked for it.
                do {
                    let checked = try await directory.checkDirSync(kind!)
                    watch += checked.seesDeletions
                        ? "; the bind account has \"Replicating Directory Changes\" and may list CN=Deleted Objects: deletions are seen at once"
                        : "; warning: " + WatchEngine.hiddenDeletions(checked.kind)
                } catch {
                    watch = "watch: off: DirSync was refused to the bind account (\(error)); `run` would reconcile every sync.interval"
                }
            }
            if configuration.directory.accesslogBase != nil, kind != nil {
                if let problem = await directory.accesslogProblem() {
                    warnings.append("warning: \(problem): the watch reads changed groups whole")
                } else {
                    watch += "; changed groups are read from the accesslog \(configuration.directory.accesslogBase!)"
                }
            }
            do {
                try await directory.checkConnection()
                let snapshot = try await directory.readSnapshot()
                people = snapshot.matchedCount
                for diagnostic in snapshot.diagnostics where diagnostic.code == .attributeUnseen {
                    let essential = ["external_id_attribute", "email_attribute"].contains { diagnostic.entry.contains($0) }
                    if essential { failures.append("directory: \(diagnostic.entry): \(diagnostic.message)") } else {
                        warnings.append("warning: \(diagnostic.entry): \(diagnostic.message)")
                    }
                }
            } catch {
                failures.append("directory: \(error)")
            }
            do { try await client.checkConnection() } catch { failures.append("podero: \(error)") }
            return (failures, warnings, people, watch)
        }
        for warning in warnings { printError(warning) }
        if failures.isEmpty {
            printLine("configuration is valid; the directory bind and read (\(people ?? 0) people) and the Podero token all work")
            printLine(watch)
            return
        }
        for failure in failures { printError(failure) }
        try finish(.fatal)
    }
}
