import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import TeamSyncCore

/// The Podero Partner API adapter of the `AccountProvider` port, on AsyncHTTPClient.
/// Call `shutdown()` when done with it.
package final class PoderoClient: AccountProvider {
    let settings: PoderoSettings
    let http: HTTPClient
    let limiter: AdaptiveLimiter
    let tokens: TokenCache
    let retryLoop: RetryLoop
    let logger: Logger

    /// Creates the client; nothing is contacted until the first call.
    package init(settings: PoderoSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: settings.maxConcurrency)
        configuration.decompression = .enabled(limit: .size(HTTPExchange.listLimit))
        configuration.redirectConfiguration = .disallow
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let limiter = AdaptiveLimiter(limit: settings.maxConcurrency)
        let retryLoop = RetryLoop(policy: settings.retry, logger: logger)
        self.http = http
        self.limiter = limiter
        self.retryLoop = retryLoop
        self.tokens = TokenCache { try await Self.fetchToken(settings: settings, http: http, limiter: limiter, retryLoop: retryLoop) }
    }

    /// Closes the connections. Required before the client is released.
    package func shutdown() async throws {
        try await http.shutdown()
    }

    /// Number of access tokens fetched so far.
    package var tokenFetches: Int { get async { await tokens.fetches } }

    /// Obtains a token now: `check-config --connect`.
    package func checkConnection() async throws {
        _ = try await tokens.token()
    }

    var usersPath: String { "\(settings.baseURL)/api/partners/v2.0/org/\(settings.orgID)/users" }

    // MARK: AccountProvider

    package func listAccounts(includeDeleted: Bool) async throws -> [RemoteAccount] {
        let live = try await decodeList(call("list users", .GET, usersPath, limit: HTTPExchange.listLimit))
        guard includeDeleted else { return live }
        let liveIDs = Set(live.map(\.id))
        var all = try await decodeList(call("list users", .GET, usersPath + "?include_deleted=true", limit: HTTPExchange.listLimit))
        for index in all.indices { all[index].isSoftDeleted = !liveIDs.contains(all[index].id) }
        return all
    }

    package func account(externalID: ExternalID, includeDeleted: Bool) async throws -> RemoteAccount? {
        let path = usersPath + "/by-ext-id/" + Self.pathComponent(externalID.rawValue) + (includeDeleted ? "?include_deleted=true" : "")
        do {
            let user = try decode(APIUser.self, await call("look up by external id", .GET, path), operation: "look up by external id")
            guard user.externalUserID == externalID.rawValue else { return nil }
            // The by-ext-id answer does not say whether the user is soft-deleted; ask the live view.
            guard includeDeleted else { return user.account() }
            return user.account(softDeleted: try await account(id: user.id) == nil)
        } catch let error as PoderoError where error.kind == .notFound {
            return nil
        }
    }

    package func create(_ account: NewAccount) async throws -> RemoteAccount {
        let body = try JSONEncoder().encode(CreateBody(
            role: account.role.rawValue, email: account.email, firstName: account.firstName,
            lastName: account.lastName, externalUserID: account.externalID.rawValue))
        let externalID = account.externalID
        return try await retryLoop.run("create", beforeRetry: { [self] history in
            guard history.earlierOutcomeUnknown, let existing = try await self.account(externalID: externalID, includeDeleted: false) else {
                return nil
            }
            // The earlier attempt went through after all: never send a second invitation.
            logger.notice("create: an earlier attempt had succeeded", metadata: ["external_user_id": "\(externalID)"])
            return existing
        }) { [self] _ in
            let exchange = try await attempt("create", .POST, usersPath, body: body, limit: HTTPExchange.singleLimit)
            if let error = exchange.error(operation: "create") { throw error.withRetryAfter(exchange) }
            return try decode(APIUser.self, exchange, operation: "create").account()
        }
    }

    package func update(id: String, _ changes: AccountChanges) async throws -> RemoteAccount {
        let body = try JSONEncoder().encode(UpdateBody(changes: changes))
        let exchange = try await call("update", .PUT, usersPath + "/" + Self.pathComponent(id), body: body)
        return try decode(APIUser.self, exchange, operation: "update").account()
    }

    package func delete(id: String, soft: Bool) async throws {
        let path = usersPath + "/" + Self.pathComponent(id) + (soft ? "?soft_delete=true" : "")
        _ = try await call(soft ? "soft delete" : "hard delete", .DELETE, path, deleteTolerantly: true)
    }

    package func account(id: String) async throws -> RemoteAccount? {
        do {
            let exchange = try await call("get user", .GET, usersPath + "/" + Self.pathComponent(id))
            return try decode(APIUser.self, exchange, operation: "get user").account()
        } catch let error as PoderoError where error.kind == .notFound {
            return nil  // unknown or soft-deleted
        }
    }

    // MARK: Decoding

    /// The users list, decoded from the response bytes as they are (no copy, six fields read).
    private func decodeList(_ exchange: HTTPExchange) throws -> [RemoteAccount] {
        var accounts: [RemoteAccount] = []
        do {
            try exchange.body.withUnsafeReadableBytes { bytes in
                try UserListDecoder.decode(bytes) { accounts.append($0.account()) }
            }
        } catch let failure as UserListDecoder.Failure {
            logger.debug("list users: unexpected JSON", metadata: ["offset": "\(failure.offset)", "reason": "\(failure.reason)"])
            throw PoderoError(.invalidResponse, operation: "list users", status: exchange.status, detail: "unexpected JSON")
        }
        return accounts
    }

    private func decode<T: Decodable>(_ type: T.Type, _ exchange: HTTPExchange, operation: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: exchange.data)
        } catch {
            throw PoderoError(.invalidResponse, operation: operation, status: exchange.status, detail: "unexpected JSON")
        }
    }

    static func pathComponent(_ text: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
