import Dispatch
import Synchronization

/// The service's clock: a `DispatchSourceTimer`, re-armed after each cycle, whose firings arrive
/// as an async sequence. `finish()` ends the sequence (shutdown).
/// `@unchecked Sendable`: Dispatch sources may be scheduled and cancelled from any thread
/// (dispatch_source_set_timer(3) and dispatch_source_cancel(3) are thread-safe), and the stream
/// continuation is Sendable.
final class CycleTicker: @unchecked Sendable {
    private let timer: any DispatchSourceTimer
    private let continuation: AsyncStream<Void>.Continuation
    let ticks: AsyncStream<Void>

    init(queue: DispatchQueue = DispatchQueue(label: "podero-team-sync.timer")) {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        ticks = stream
        self.continuation = continuation
        timer = DispatchSource.makeTimerSource(queue: queue)
        timer.setEventHandler { continuation.yield() }
        timer.schedule(deadline: .distantFuture)
        timer.activate()
    }

    /// Fires once after `delay`.
    func schedule(after delay: Duration) {
        let nanoseconds = Int(delay.components.seconds) * 1_000_000_000 + Int(delay.components.attoseconds / 1_000_000_000)
        timer.schedule(deadline: .now() + .nanoseconds(max(0, nanoseconds)), leeway: .milliseconds(100))
    }

    func finish() {
        timer.cancel()
        continuation.finish()
    }
}
