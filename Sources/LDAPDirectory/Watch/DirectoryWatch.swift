import Foundation
import Logging
import Synchronization
import TeamSyncCore

/// What a directory watch tells its owner.
package enum WatchEvent: Sendable {
    /// The persistent search is established (the refresh stage follows).
    case connected
    /// The connection failed; the watch reconnects with backoff.
    case disconnected(String)
    /// Changes of the persist stage (or refresh-stage changes the owner can apply one by one),
    /// with the cookie that covers them.
    case changes([DirectoryChange], cookie: [UInt8]?)
    /// The refresh stage ended. `fullReadNeeded` says why only a complete read can tell what
    /// changed (no cookie, deletes known only by id, a present phase after a server restart);
    /// the cookie may be stored once that read has been applied.
    case refreshed(changes: [DirectoryChange], fullReadNeeded: String?, cookie: [UInt8]?)
    /// The server cannot continue from the stored cookie: it is dropped and a full read is needed.
    case cookieRejected(String)
}

/// An RFC 4533 refreshAndPersist watch of the people and group subtrees, on its own thread
/// with its own connection. It reconnects after failures (1 s doubling to 30 s), resuming
/// from the newest cookie it has seen, until `stop()`.
package final class DirectoryWatch: Sendable {
    private let settings: LDAPSettings
    private let logger: Logger
    private let stopped = Atomic<Bool>(false)
    private let finished = Mutex<Bool>(false)

    /// Most refresh-stage changes applied one by one; more make a complete read cheaper.
    static let refreshChangeLimit = 1_000

    package init(settings: LDAPSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    /// The subtree and filter of the one search that covers people and groups.
    package var scope: (base: String, filter: String) {
        let users = DistinguishedName(settings.users.baseDN)
        let groups = DistinguishedName(settings.groups.baseDN)
        let base: String = switch (users, groups) {
        case let (users?, groups?): users.commonAncestor(with: groups)
        default: settings.users.baseDN
        }
        let filter = "(|\(DirectoryReader.parenthesized(settings.users.filter))\(DirectoryReader.parenthesized(settings.groups.filter)))"
        return (base, filter)
    }

    /// Starts the watch thread; `onEvent` is called on it, in order.
    package func start(cookie: [UInt8]?, onEvent: @escaping @Sendable (WatchEvent) -> Void) {
        let thread = Thread { [self] in
            run(cookie: cookie, onEvent: onEvent)
            finished.withLock { $0 = true }
        }
        thread.name = "podero-team-sync.watch"
        thread.start()
    }

    /// Asks the thread to stop; it does within a quarter of a second.
    package func stop() { stopped.store(true, ordering: .relaxed) }

    /// True once the thread has ended.
    package var hasFinished: Bool { finished.withLock { $0 } }

    private var isStopped: Bool { stopped.load(ordering: .relaxed) }

    private func run(cookie initial: [UInt8]?, onEvent: @Sendable (WatchEvent) -> Void) {
        var cookie = initial
        var failures = 0
        let (base, filter) = scope
        while !isStopped {
            do {
                let session = try SyncReplSession(settings: settings, base: base, filter: filter, cookie: cookie)
                defer { session.close() }
                failures = 0
                onEvent(.connected)
                try follow(session, hadCookie: cookie != nil, onEvent: onEvent) { cookie = $0 }
            } catch let error as LDAPError where error.code == SyncReplSession.refreshRequired || error.code == LDAP_UNWILLING_TO_PERFORM_CODE {
                // 4096: too old; 53: a cookie from another server or from the future.
                cookie = nil
                onEvent(.cookieRejected(error.description))
                continue
            } catch {
                failures += 1
                onEvent(.disconnected("\(error)"))
                let backoff = min(30.0, pow(2.0, Double(min(failures - 1, 5))))
                let until = Date().addingTimeInterval(backoff)
                while !isStopped, Date() < until { Thread.sleep(forTimeInterval: 0.1) }
            }
        }
    }

    /// LDAP_UNWILLING_TO_PERFORM.
    private let LDAP_UNWILLING_TO_PERFORM_CODE: Int32 = 53

    private func follow(_ session: SyncReplSession, hadCookie: Bool, onEvent: @Sendable (WatchEvent) -> Void,
                        keep: ([UInt8]?) -> Void) throws {
        var refreshing = true
        var refreshChanges: [DirectoryChange] = []
        var fullReadReason: String? = hadCookie ? nil : "no stored cookie: the first refresh lists every entry"
        while !isStopped {
            guard let message = try session.next(wait: .milliseconds(250)) else { continue }
            keep(session.cookie)
            switch message {
            case .upserted(let dn, let uuid):
                if refreshing { refreshChanges.append(.upserted(dn, uuid: uuid)) } else {
                    onEvent(.changes([.upserted(dn, uuid: uuid)], cookie: session.cookie))
                }
            case .deleted(let dn, let uuid):
                if refreshing { refreshChanges.append(.gone(dn, uuid: uuid)) } else {
                    onEvent(.changes([.gone(dn, uuid: uuid)], cookie: session.cookie))
                }
            case .present:
                if fullReadReason == nil { fullReadReason = "the server could only list the entries still present (it restarted or lost its change log)" }
            case .idSet(let uuids, let deletes):
                if deletes {
                    refreshChanges += uuids.map { .gone(nil, uuid: $0) }
                } else if fullReadReason == nil {
                    fullReadReason = "the server could only list the entries still present (it restarted or lost its change log)"
                }
            case .refreshDone(let usedPresentPhase):
                if usedPresentPhase, fullReadReason == nil {
                    fullReadReason = "the server could only list the entries still present (it restarted or lost its change log)"
                }
                if refreshChanges.count > Self.refreshChangeLimit, fullReadReason == nil {
                    fullReadReason = "\(refreshChanges.count) entries changed while the watch was away"
                }
                refreshing = false
                onEvent(.refreshed(changes: fullReadReason == nil ? refreshChanges : [], fullReadNeeded: fullReadReason, cookie: session.cookie))
                refreshChanges = []
            case .cookie:
                if !refreshing { onEvent(.changes([], cookie: session.cookie)) }
            }
        }
    }
}
