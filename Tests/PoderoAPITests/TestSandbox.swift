import Foundation
import Hummingbird
import Logging
import PoderoAPI
import PoderoSandbox
import Testing
import TeamSyncCore

/// A `podero-sandbox` running in this process on a free loopback port, with a client for it.
/// Call `stop()` at the end of the test.
final class TestSandbox: Sendable {
    static let orgID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    static let clientID = "team-sync-test"
    static let clientSecret = "s3cr3t-never-logged"

    let store: SandboxStore
    let port: Int
    let client: PoderoClient
    private let server: Task<Void, any Error>

    /// Starts the emulator and a client with `maxConcurrency` and a fast retry policy.
    init(
        configure: (inout SandboxOptions) -> Void = { _ in }, maxConcurrency: Int = 4,
        retry: RetryPolicy = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(10), maxDelay: .milliseconds(200), totalBudget: .seconds(20)),
        secret: String = TestSandbox.clientSecret, timeout: Duration = .seconds(5)
    ) async throws {
        var options = SandboxOptions(orgID: Self.orgID, clientID: Self.clientID, clientSecret: Self.clientSecret)
        configure(&options)
        let store = try SandboxStore(options: options)
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "sandbox")
        logger.logLevel = .warning
        let app = SandboxServer.application(store: store, port: 0, logger: logger) { port in continuation.yield(port) }
        server = Task { try await app.run() }
        var iterator = stream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        self.store = store
        self.port = port
        let settings = PoderoSettings(
            baseURL: "http://127.0.0.1:\(port)", orgID: Self.orgID, clientID: Self.clientID, clientSecret: Secret(secret),
            timeout: timeout, maxConcurrency: maxConcurrency, retry: retry)
        var clientLogger = Logger(label: "client")
        clientLogger.logLevel = .warning
        client = PoderoClient(settings: settings, logger: clientLogger)
    }

    /// Starts a sandbox, runs `body`, and stops the sandbox whatever `body` did.
    static func run(
        configure: (inout SandboxOptions) -> Void = { _ in }, maxConcurrency: Int = 4,
        retry: RetryPolicy = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(10), maxDelay: .milliseconds(200), totalBudget: .seconds(20)),
        secret: String = TestSandbox.clientSecret, timeout: Duration = .seconds(5), _ body: (TestSandbox) async throws -> Void
    ) async throws {
        let sandbox = try await TestSandbox(configure: configure, maxConcurrency: maxConcurrency, retry: retry, secret: secret, timeout: timeout)
        do {
            try await body(sandbox)
        } catch {
            try await sandbox.stop()
            throw error
        }
        try await sandbox.stop()
    }

    func stop() async throws {
        try await client.shutdown()
        server.cancel()
        _ = await server.result
    }

    /// Requests the emulator saw, as "METHOD path status".
    var requests: [SandboxMonitor.Entry] { store.monitor.log }

    func requests(_ method: String, containing path: String = "/users") -> [SandboxMonitor.Entry] {
        requests.filter { $0.method == method && $0.path.contains(path) }
    }

    func setSwitches(_ change: (inout SandboxOptions.LiveSwitches) -> Void) {
        var switches = SandboxOptions.LiveSwitches()
        change(&switches)
        store.apply(switches)
    }

    static func newAccount(_ n: Int, role: Role = .staff) -> NewAccount {
        NewAccount(role: role, email: "person\(n)@example.com", firstName: "Given\(n)", lastName: nil, externalID: ExternalID("ext-\(n)"))
    }
}
