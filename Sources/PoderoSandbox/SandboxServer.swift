import Hummingbird
import Logging

/// The emulator as a Hummingbird application, bound to 127.0.0.1 only.
package enum SandboxServer {
    /// Builds the application; `onRunning` receives the port actually bound (useful with port 0).
    package static func application(
        store: SandboxStore, port: Int, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: SandboxRoutes.router(store: store),
            configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "podero-sandbox"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }
}
