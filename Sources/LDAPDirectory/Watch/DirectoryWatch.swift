import CLDAP
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

/// A watch of the people and group subtrees, on its own thread with its own connection: an
/// RFC 4533 refreshAndPersist search (syncrepl), or Active Directory's DirSync polled every
/// `directory.dirsync_poll`. It reconnects after failures (1 s doubling to 30 s), resuming from
/// the newest cookie it has seen, until `stop()`.
package final class DirectoryWatch: Sendable {
    /// Which protocol.
    package enum Kind: Sendable, Equatable {
        case syncrepl
        /// DirSync over the naming context `namingContext` (DirSync needs a naming-context root).
        /// `objectSecurity`: without the "Replicating Directory Changes" right the object-security
        /// flag is used, and tombstones are then hidden: deletions wait for the reconcile.
        case dirSync(namingContext: String, poll: Duration, objectSecurity: Bool = false)

        package var name: String {
            switch self {
            case .syncrepl: "syncrepl"
            case .dirSync: "dirsync"
            }
        }

        /// The attribute whose value a change names an entry by.
        package var idAttribute: String {
            switch self {
            case .syncrepl: "entryUUID"
            case .dirSync: "objectGUID"
            }
        }
    }

    private let settings: LDAPSettings
    private let logger: Logger
    package let kind: Kind
    private let stopped = Atomic<Bool>(false)
    private let finished = Mutex<Bool>(false)

    /// Why a refresh that lists the entries still present needs a complete read.
    static let onlyPresent = "the server could only list the entries still present (it restarted or lost its change log)"

    /// Most refresh-stage changes applied one by one; more make a complete read cheaper.
    static let refreshChangeLimit = 1_000

    package init(settings: LDAPSettings, kind: Kind = .syncrepl, logger: Logger) {
        self.settings = settings
        self.kind = kind
        self.logger = logger
    }

    /// The subtree and filter of the one search that covers people and groups. DirSync starts
    /// at the naming context and also asks for every user and group object: a tombstone keeps
    /// its objectClass but loses the attributes the configured filters may test.
    package var scope: (base: String, filter: String) {
        if case .dirSync(let namingContext, _, _) = kind {
            let filter = "(|(objectClass=user)(objectClass=group)\(DirectoryReader.parenthesized(settings.users.filter))\(DirectoryReader.parenthesized(settings.groups.filter)))"
            return (namingContext, filter)
        }
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
            switch kind {
            case .syncrepl: run(cookie: cookie, onEvent: onEvent)
            case .dirSync(_, let poll, let objectSecurity): runDirSync(cookie: cookie, poll: poll, objectSecurity: objectSecurity, onEvent: onEvent)
            }
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
            } catch let error as LDAPError where error.code == SyncReplSession.refreshRequired || error.code == LDAP_UNWILLING_TO_PERFORM {
                // 4096: too old; 53: a cookie from another server or from the future.
                cookie = nil
                onEvent(.cookieRejected(error.description))
                continue
            } catch {
                failures += 1
                onEvent(.disconnected("\(error)"))
                waitBeforeReconnecting(failures: failures)
            }
        }
    }

    /// What DirSync asks for: a change of any of these attributes is reported.
    var dirSyncAttributes: [String] {
        let users = settings.users
        var names = ["objectGUID", "isDeleted", "objectClass", "name", settings.groups.memberAttribute.rawValue,
                     users.externalIDAttribute, users.emailAttribute, users.firstNameAttribute, users.lastNameAttribute]
        if settings.groups.memberAttribute == .memberUid { names.append(users.uidAttribute) }
        if let expires = users.expiresAttribute { names.append(expires) }
        names += AttributeVisibility(users: users, readsUID: false).filterAttributes
        var seen = Set<String>()
        return names.filter { seen.insert($0.lowercased()).inserted }
    }

    /// Most changed values of one group checked one by one; more read the group whole.
    static let valueCheckLimit = 100

    /// What a DirSync change asks the watch to read: a group whose changed member values came
    /// alone is asked about each of those values (whatever its size); a group with neither
    /// member values nor a new name kept its members (DirSync sends changed attributes only:
    /// a link to a deleted account, whose tombstone arrives itself); anything else is read.
    static func signals(of change: DirSyncSession.Change, at dn: DistinguishedName) -> [DirectoryChange] {
        if change.isGroup, !change.wholeMembers, !change.named, change.memberChanges.isEmpty { return [] }
        guard !change.wholeMembers, !change.named, !change.memberChanges.isEmpty, change.memberChanges.count <= valueCheckLimit else {
            return [.upserted(dn, uuid: change.guid)]
        }
        let members = change.memberChanges.compactMap { DistinguishedName($0.value) }
        guard members.count == change.memberChanges.count else { return [.upserted(dn, uuid: change.guid)] }
        return Set(members).map { .listing(group: dn, member: $0) }
    }

    private func runDirSync(cookie initial: [UInt8]?, poll: Duration, objectSecurity: Bool, onEvent: @Sendable (WatchEvent) -> Void) {
        var cookie = initial
        var failures = 0
        let (base, filter) = scope
        let attributes = dirSyncAttributes
        while !isStopped {
            do {
                var polled = false
                let session = try DirSyncSession(settings: settings, base: base, filter: filter, attributes: attributes, cookie: cookie,
                    objectSecurity: objectSecurity)
                defer { session.close() }
                failures = 0
                onEvent(.connected)
                var first = true
                while !isStopped {
                    let hadCookie = cookie != nil
                    var changes: [DirectoryChange] = []
                    var count = 0
                    var groupDeleted = false
                    var more = true
                    var requests = 0
                    while more, requests < 100_000 {
                        requests += 1
                        let answer: (changes: [DirSyncSession.Change], more: Bool)
                        do {
                            answer = try session.poll()
                        } catch let error as LDAPError where !polled && hadCookie && (error.code ?? -1) > 0 {  // > 0: the server answered (libldap's own failures are negative)
                            throw CookieRefused(error: error)
                        }
                        polled = true
                        more = answer.more
                        count += answer.changes.count
                        for change in answer.changes where hadCookie && count <= Self.refreshChangeLimit {
                            if change.deleted {
                                if change.isGroup { groupDeleted = true } else { changes.append(.gone(nil, uuid: change.guid)) }
                            } else if let dn = change.dn {
                                changes += Self.signals(of: change, at: dn)
                            }
                        }
                    }
                    let previous = cookie
                    cookie = session.cookie
                    let reason: String? = !hadCookie ? "no stored cookie: the first DirSync lists every object"
                        : count > Self.refreshChangeLimit ? "more than \(Self.refreshChangeLimit) objects changed at once"
                        : groupDeleted ? "a group was deleted (a tombstone no longer names its members)" : nil
                    if first || reason != nil {
                        onEvent(.refreshed(changes: reason == nil ? changes : [], fullReadNeeded: reason, cookie: cookie))
                    } else if !changes.isEmpty || cookie != previous {
                        onEvent(.changes(changes, cookie: cookie))
                    }
                    first = false
                    let until = ContinuousClock.now + poll
                    while !isStopped, ContinuousClock.now < until { Thread.sleep(forTimeInterval: 0.05) }
                }
            } catch let refused as CookieRefused {
                // The server refused the stored cookie (another domain controller, a restored one).
                cookie = nil
                onEvent(.cookieRejected(refused.error.description))
            } catch {
                failures += 1
                onEvent(.disconnected("\(error)"))
                waitBeforeReconnecting(failures: failures)
            }
        }
    }

    /// 1 s after the first failure, doubling to 30 s; returns early on `stop()`.
    private func waitBeforeReconnecting(failures: Int) {
        let until = Date().addingTimeInterval(min(30.0, pow(2.0, Double(min(failures - 1, 5)))))
        while !isStopped, Date() < until { Thread.sleep(forTimeInterval: 0.1) }
    }

    /// The first request with a stored cookie failed with a result from the server.
    private struct CookieRefused: Error {
        var error: LDAPError
    }

    private func follow(_ session: SyncReplSession, hadCookie: Bool, onEvent: @Sendable (WatchEvent) -> Void,
                        keep: ([UInt8]?) -> Void) throws {
        var refreshing = true
        var refreshChanges: [DirectoryChange] = []
        var fullReadReason: String? = hadCookie ? nil : "no stored cookie: the first refresh lists every entry"
        func keepForRefresh(_ changes: [DirectoryChange]) {
            guard fullReadReason == nil else { return }
            refreshChanges += changes
            if refreshChanges.count > Self.refreshChangeLimit {
                refreshChanges = []
                fullReadReason = "more than \(Self.refreshChangeLimit) entries changed while the watch was away"
            }
        }
        while !isStopped {
            guard let message = try session.next(wait: .milliseconds(250)) else { continue }
            keep(session.cookie)
            switch message {
            case .upserted(let dn, let uuid):
                if refreshing { keepForRefresh([.upserted(dn, uuid: uuid)]) } else {
                    onEvent(.changes([.upserted(dn, uuid: uuid)], cookie: session.cookie))
                }
            case .deleted(let dn, let uuid):
                if refreshing { keepForRefresh([.gone(dn, uuid: uuid)]) } else {
                    onEvent(.changes([.gone(dn, uuid: uuid)], cookie: session.cookie))
                }
            case .present:
                if fullReadReason == nil { fullReadReason = Self.onlyPresent }
            case .idSet(let uuids, let deletes):
                if deletes {
                    keepForRefresh(uuids.map { .gone(nil, uuid: $0) })
                } else if fullReadReason == nil {
                    fullReadReason = Self.onlyPresent
                }
            case .refreshDone(let usedPresentPhase):
                if usedPresentPhase, fullReadReason == nil {
                    fullReadReason = Self.onlyPresent
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

extension LDAPDirectory {
    /// Asks for DirSync once (the first part of a first request), first as a replication
    /// client, then with the object-security flag; returns the kind that works, or throws when
    /// the bind account may use neither. `run` and `check-config --connect` report it.
    package func checkDirSync(_ kind: DirectoryWatch.Kind) async throws -> (kind: DirectoryWatch.Kind, seesDeletions: Bool) {
        guard case .dirSync(let namingContext, let poll, _) = kind else { return (kind, true) }
        let watch = DirectoryWatch(settings: settings, kind: kind, logger: Logger(label: "podero-team-sync.check"))
        let (base, filter) = watch.scope
        let settings = self.settings
        let attributes = watch.dirSyncAttributes
        let (objectSecurity, seesDeletions) = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<(Bool, Bool), Error>) in
            DispatchQueue.global(qos: .utility).async {
                continuation.resume(with: Result {
                    func attempt(_ objectSecurity: Bool) throws {
                        let session = try DirSyncSession(settings: settings, base: base, filter: filter, attributes: attributes, cookie: nil,
                            objectSecurity: objectSecurity)
                        defer { session.close() }
                        _ = try session.poll()
                    }
                    do {
                        try attempt(false)
                    } catch let error as LDAPError where error.code == 50 {  // insufficientAccessRights
                        try attempt(true)
                        return (true, false)
                    }
                    // Tombstones are returned only to who may list CN=Deleted Objects.
                    let connection = try LDAPConnection.bound(settings: settings)
                    defer { connection.close() }
                    var request = LDAPConnection.SearchRequest.entry("CN=Deleted Objects," + namingContext, attributes: ["1.1"],
                        purpose: "read CN=Deleted Objects", timeout: settings.timeout)
                    request.showDeleted = true
                    var found = 0
                    do {
                        try connection.pagedSearch(request) { _ in found += 1 }
                    } catch let error as LDAPError where error.code == 32 || error.code == 50 {
                        return (false, false)
                    }
                    return (false, found == 1)
                })
            }
        }
        return (.dirSync(namingContext: namingContext, poll: poll, objectSecurity: objectSecurity), seesDeletions)
    }
}
