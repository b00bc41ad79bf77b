import ArgumentParser
import BuildInfo
import Foundation
import Hummingbird
import Logging
import PoderoSandbox
import TeamSyncCore

/// `podero-sandbox`: a local emulator of the Podero Partner API for tests and the demo.
@main
struct PoderoSandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "podero-sandbox",
        abstract: "A local emulator of the Podero Partner API (auth + organisation users), on 127.0.0.1.",
        discussion: """
            Serves POST /oauth2/token/ and /api/partners/v2.0/org/{org_id}/users… as described in
            podero-api.md. Inferred behaviours and faults are switches. Test-only introspection lives
            under /_sandbox/ (state, seed, reset, requests, stats, faults, expire-tokens) and is not part
            of the emulated API. Prints "podero-sandbox listening on http://127.0.0.1:PORT" when ready.
            """,
        version: BuildInfo.version)

    @Option(help: "TCP port on 127.0.0.1 (0 picks a free one).") var port: Int = 8080
    @Option(help: "The organisation's id (UUID).") var orgId: String
    @Option(help: "OAuth2 client id.") var clientId: String
    @Option(help: "OAuth2 client secret (visible in ps; prefer --client-secret-file).") var clientSecret: String?
    @Option(help: "File holding the OAuth2 client secret.") var clientSecretFile: String?
    @Option(help: "File that keeps the data across restarts (JSON Lines: each change appended before the answer; compacted on start).") var state: String?
    @Option(help: "JSON array of users to add at start (end-users, a hand-made admin, …).") var seed: String?
    @Flag(help: "A soft-deleted user keeps blocking its e-mail and external id for new creates.") var softDeletedBlocksReuse = false
    @Option(help: "Status of a successful create: 200 or 201.") var createStatus: Int = 200
    @Option(help: "Status of a duplicate e-mail or external id: 409 or 422.") var duplicateStatus: Int = 409
    @Option(help: "Share of API requests answered with a 5xx (0…1); half after the change was made.") var faultRate: Double = 0
    @Option(help: "When faults strike: mixed (half before, half after the change is made), before, after.")
    var faultMode: String = "mixed"
    @Option(help: "API requests per second before 429 with Retry-After.") var rateLimit: Int?
    @Option(help: "Delay added to every API request, e.g. 20ms.") var latency: String = "0"
    @Option(help: "Lifetime of issued tokens in seconds.") var tokenLifetime: Int = 36_000
    @Option(help: "Share of users (0…1) left out of every list, the same ones each time (they still answer by id).")
    var listHide: Double = 0
    @Option(help: "Send API answers' bodies at this many bytes per second.") var slowBody: Int?
    @Option(help: "Answer every API GET with a gzip bomb inflating to this many MiB.") var gzipBomb: Int?
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel: String = "notice"

    func validate() throws {
        guard UUID(uuidString: orgId) != nil else { throw ValidationError("--org-id must be a UUID") }
        guard [200, 201].contains(createStatus) else { throw ValidationError("--create-status must be 200 or 201") }
        guard [409, 422].contains(duplicateStatus) else { throw ValidationError("--duplicate-status must be 409 or 422") }
        guard (0...1).contains(faultRate) else { throw ValidationError("--fault-rate must be between 0 and 1") }
        guard SandboxOptions.FaultMode(rawValue: faultMode) != nil else { throw ValidationError("--fault-mode must be mixed, before or after") }
        guard DurationText.parse(latency) != nil else { throw ValidationError("--latency must be a duration such as 20ms") }
        guard (clientSecret == nil) != (clientSecretFile == nil) else {
            throw ValidationError("give exactly one of --client-secret and --client-secret-file")
        }
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0…65535") }
        guard (0...1).contains(listHide) else { throw ValidationError("--list-hide must be between 0 and 1") }
        guard (slowBody ?? 1) > 0 else { throw ValidationError("--slow-body must be at least 1 byte per second") }
        guard (1...4096).contains(gzipBomb ?? 1) else { throw ValidationError("--gzip-bomb must be 1…4096 MiB") }
    }

    func run() async throws {
        let secret = try clientSecret ?? String(contentsOfFile: clientSecretFile!, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        var options = SandboxOptions(orgID: orgId, clientID: clientId, clientSecret: secret)
        options.softDeletedBlocksReuse = softDeletedBlocksReuse
        options.createStatus = createStatus
        options.duplicateStatus = duplicateStatus
        options.faultRate = faultRate
        options.rateLimit = rateLimit
        options.faultMode = SandboxOptions.FaultMode(rawValue: faultMode) ?? .mixed
        let latencyDuration = DurationText.parse(latency) ?? .zero
        options.latencyMilliseconds = Int(latencyDuration.components.seconds * 1000 + latencyDuration.components.attoseconds / 1_000_000_000_000_000)
        options.tokenLifetime = tokenLifetime
        options.listHideFraction = listHide
        options.slowBodyBytesPerSecond = slowBody
        options.gzipBombMiB = gzipBomb
        let store = try SandboxStore(options: options, statePath: state)
        if let seed {
            try store.seed(JSONDecoder().decode([SandboxUser].self, from: Data(contentsOf: URL(fileURLWithPath: seed))))
        }
        var logger = Logger(label: "podero-sandbox")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .notice
        let app = SandboxServer.application(store: store, port: port, logger: logger) { port in
            FileHandle.standardOutput.write(Data("podero-sandbox listening on http://127.0.0.1:\(port)\n".utf8))
        }
        try await app.runService()
    }
}
