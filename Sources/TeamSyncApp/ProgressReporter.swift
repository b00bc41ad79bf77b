import Foundation
import Logging
import Synchronization

/// Progress of a long run: a live line on stderr when it is a terminal, otherwise a log line every
/// ten seconds. Short runs (under 50 actions) report nothing.
final class ProgressReporter: Sendable {
    private struct State {
        var lastDrawn = Date.distantPast
        var lastLogged = Date()
        var drewLine = false
    }

    private let logger: Logger
    private let terminal: Bool
    private let state = Mutex(State())

    /// nil when the run is too short to need progress.
    init?(logger: Logger, total: Int, minimum: Int = 50) {
        guard total >= minimum else { return nil }
        self.logger = logger
        terminal = isatty(STDERR_FILENO) == 1
    }

    func update(done: Int, total: Int) {
        let now = Date()
        if terminal {
            let draw = state.withLock { state -> Bool in
                guard now.timeIntervalSince(state.lastDrawn) >= 0.1 || done == total else { return false }
                state.lastDrawn = now
                state.drewLine = true
                return true
            }
            if draw {
                let percent = total > 0 ? done * 100 / total : 100
                FileHandle.standardError.write(Data("\r\u{1B}[2Kapplying: \(done)/\(total) actions (\(percent)%)".utf8))
            }
        } else {
            let log = state.withLock { state -> Bool in
                guard now.timeIntervalSince(state.lastLogged) >= 10 else { return false }
                state.lastLogged = now
                return true
            }
            if log { logger.notice("progress", metadata: ["done": "\(done)", "total": "\(total)"]) }
        }
    }

    func finish() {
        if state.withLock({ $0.drewLine }) { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
