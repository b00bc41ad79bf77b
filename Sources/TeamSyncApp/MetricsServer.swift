import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TeamSyncCore

/// `/metrics` (Prometheus text) and `/healthz` (200 while the last completed cycle is recent
/// enough, 503 otherwise) on `metrics.listen`.
enum MetricsServer {
    static func application(
        host: String, port: Int, metrics: SyncMetrics, healthyWithin: @escaping @Sendable () -> (last: Date?, window: Duration),
        logger: Logger
    ) -> some Service {
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: metrics.exposition())))
        }
        router.get("/healthz") { _, _ -> Response in
            let (last, window) = healthyWithin()
            let seconds = Double(window.components.seconds)
            guard let last, Date().timeIntervalSince(last) <= seconds else {
                let body = last.map { "last completed cycle at \(AuditTime.format($0)), more than \(Int(seconds)) s ago\n" } ?? "no completed cycle yet\n"
                return Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: body)))
            }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok: last completed cycle at \(AuditTime.format(last))\n")))
        }
        var quiet = logger
        quiet.logLevel = .warning
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "podero-team-sync"), logger: quiet)
    }
}
