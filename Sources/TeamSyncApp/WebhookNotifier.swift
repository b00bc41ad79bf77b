import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// Posts `WebhookEvent`s to `notify.webhook_url`, one at a time, in the background: a sync never
/// waits for it. Each post gets 3 attempts (5 s each, 1 s then 2 s apart); at most 100 wait,
/// the oldest dropped first. Log lines name the host only: the URL carries a secret.
package final class WebhookNotifier: Sendable {
    static let attempts = 3
    static let attemptTimeout: TimeAmount = .seconds(5)
    static let queueLimit = 100

    private let settings: WebhookSettings
    private let logger: Logger
    private let http: HTTPClient
    private let continuation: AsyncStream<WebhookEvent>.Continuation
    private let worker: Mutex<Task<Void, Never>?> = Mutex(nil)
    /// Events queued or being posted.
    private let pending = Pending()

    private final class Pending: Sendable {
        private let count = Mutex(0)
        func add(_ value: Int) { count.withLock { $0 += value } }
        var value: Int { count.withLock { $0 } }
    }

    package init(settings: WebhookSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: Self.attemptTimeout, read: Self.attemptTimeout)
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let (stream, continuation) = AsyncStream<WebhookEvent>.makeStream(bufferingPolicy: .bufferingNewest(Self.queueLimit))
        self.continuation = continuation
        let task = Task { [http, settings, logger, pending] in
            for await event in stream {
                await Self.deliver(event, http: http, settings: settings, logger: logger)
                pending.add(-1)
            }
        }
        worker.withLock { $0 = task }
    }

    /// Queues the events; returns at once.
    package func post(_ events: [WebhookEvent]) {
        for event in events {
            pending.add(1)
            if case .dropped = continuation.yield(event) {
                pending.add(-1)
                logger.warning("notify.webhook_url: more than \(Self.queueLimit) notifications wait; the oldest was dropped", metadata: ["host": "\(settings.host)"])
            }
        }
    }

    /// Waits until every queued event was posted or given up, at most `limit` (a one-shot
    /// command before it exits); then stops.
    package func finish(within limit: Duration) async {
        let deadline = ContinuousClock.now + limit
        while pending.value > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        let left = pending.value
        if left > 0 { logger.warning("notify.webhook_url: \(left) notifications not sent before exit", metadata: ["host": "\(settings.host)"]) }
        continuation.finish()
        worker.withLock { $0 }?.cancel()
        try? await http.shutdown()
    }

    private static func deliver(_ event: WebhookEvent, http: HTTPClient, settings: WebhookSettings, logger: Logger) async {
        var request = HTTPClientRequest(url: settings.url.exposedValue)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "podero-team-sync")
        request.body = .bytes(ByteBuffer(string: event.body))
        var problem = ""
        for attempt in 1...attempts {
            if Task.isCancelled { return }
            do {
                let response = try await http.execute(request, timeout: attemptTimeout)
                _ = try? await response.body.collect(upTo: 64 * 1024)
                if (200..<300).contains(response.status.code) {
                    logger.info("notified", metadata: ["event": "\(event.kind.rawValue)", "host": "\(settings.host)"])
                    return
                }
                problem = "HTTP \(response.status.code)"
                // A 4xx other than 429 will not get better by asking again.
                if response.status.code < 500 && response.status.code != 429 { break }
            } catch {
                problem = Self.plain(error)
            }
            if attempt < attempts { try? await Task.sleep(for: .seconds(attempt)) }
        }
        logger.warning("notify.webhook_url: the notification was not accepted; given up", metadata: [
            "event": "\(event.kind.rawValue)", "host": "\(settings.host)", "error": "\(problem)",
        ])
    }

    /// An error without the URL (AsyncHTTPClient's errors can carry it).
    private static func plain(_ error: any Error) -> String {
        switch error {
        case let error as HTTPClientError: "\(error.shortDescription)"
        default: "\(type(of: error))"
        }
    }
}
