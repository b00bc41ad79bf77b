import Foundation
import Synchronization

/// The emulator's data and switches behind one lock, with the API's rules. Every method
/// returns the reply the HTTP layer sends.
package final class SandboxStore: Sendable {
    private struct Guarded {
        var state = SandboxState()
        var options: SandboxOptions
        var tokens: [String: Date] = [:]
    }

    private let guarded: Mutex<Guarded>
    private let stateFile: SandboxStateFile?
    /// Request counters and the request log (test introspection).
    package let monitor = SandboxMonitor()

    /// Creates the store, loading `statePath` when it exists.
    package init(options: SandboxOptions, statePath: String? = nil) throws {
        var initial = Guarded(options: options)
        let stateFile = statePath.map(SandboxStateFile.init(path:))
        if let stateFile {
            for user in try stateFile.load() { initial.state.insert(user) }
            try stateFile.compact(initial.state.list(includeDeleted: true))
        }
        _ = initial.state.takeChanges()
        self.guarded = Mutex(initial)
        self.stateFile = stateFile
    }

    /// The current switches.
    package var options: SandboxOptions { guarded.withLock { $0.options } }

    /// Changes switches at run time.
    package func apply(_ switches: SandboxOptions.LiveSwitches) {
        guarded.withLock { $0.options.apply(switches) }
    }

    // MARK: Tokens

    /// `POST /oauth2/token/`: client credentials in Basic auth, `grant_type` in a JSON or form body.
    func issueToken(authorization: String?, body: Data, contentType: String?) -> SandboxReply {
        let options = self.options
        guard let credentials = Self.basicCredentials(authorization),
            credentials.id == options.clientID, credentials.secret == options.clientSecret
        else {
            return .json(401, ["error": "invalid_client"])
        }
        guard let grant = Self.grantType(body: body, contentType: contentType) else {
            return .json(400, ["error": "invalid_request"])
        }
        guard grant == "client_credentials" else { return .json(400, ["error": "unsupported_grant_type"]) }
        let token = Self.randomToken()
        let lifetime = options.tokenLifetime
        guarded.withLock { $0.tokens[token] = Date().addingTimeInterval(TimeInterval(lifetime)) }
        return .json(200, TokenBody(access_token: token, expires_in: lifetime, token_type: "Bearer", scope: "read write"))
    }

    /// True when the header carries a token this emulator issued and that has not expired.
    func isAuthorized(_ authorization: String?) -> Bool {
        guard let authorization, authorization.lowercased().hasPrefix("bearer ") else { return false }
        let token = String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        return guarded.withLock { ($0.tokens[token].map { $0 > Date() }) ?? false }
    }

    /// Makes every issued token expire now (tests the client's renewal on 401).
    package func expireTokens() {
        guarded.withLock { $0.tokens.removeAll() }
    }

    // MARK: Users

    func listUsers(includeDeleted: Bool) -> SandboxReply {
        let fraction = options.listHideFraction
        return SandboxReply(status: 200, body: guarded.withLock { $0.state.listJSON(includeDeleted: includeDeleted, hideFraction: fraction) })
    }

    func user(id: String, includeDeleted: Bool) -> SandboxReply {
        guard let user = guarded.withLock({ $0.state.users[id.lowercased()] }), includeDeleted || !user.deleted else {
            return .notFound
        }
        return .json(200, user)
    }

    func user(externalID: String, includeDeleted: Bool) -> SandboxReply {
        guard let user = guarded.withLock({ $0.state.user(externalID: externalID, includeDeleted: includeDeleted) }) else {
            return .notFound
        }
        return .json(200, user)
    }

    func createUser(body: Data) -> SandboxReply {
        let payload: UserPayload
        switch UserPayload.parse(body, requireIdentity: true) {
        case .failure(let rejection): return rejection.reply
        case .success(let parsed): payload = parsed
        }
        return mutate { guarded in
            let options = guarded.options
            if let field = guarded.state.conflict(
                email: payload.text("email"), externalID: payload.text("external_user_id"), excluding: nil,
                softDeletedBlocks: options.softDeletedBlocksReuse)
            {
                return Self.duplicate(field, status: options.duplicateStatus)
            }
            var user = SandboxUser(id: UUID().uuidString.lowercased(), organizationID: options.orgID.lowercased(), role: "", email: "")
            payload.apply(to: &user)
            user.isOnboarded = false
            user.joinedAt = Self.timestamp()
            guarded.state.insert(user)
            return .json(options.createStatus, user)
        }
    }

    func updateUser(id: String, body: Data) -> SandboxReply {
        let payload: UserPayload
        switch UserPayload.parse(body, requireIdentity: false) {
        case .failure(let rejection): return rejection.reply
        case .success(let parsed): payload = parsed
        }
        return mutate { guarded in
            guard var user = guarded.state.users[id.lowercased()], !user.deleted else { return .notFound }
            let options = guarded.options
            if let field = guarded.state.conflict(
                email: payload.text("email"), externalID: payload.text("external_user_id"), excluding: user.id,
                softDeletedBlocks: true)
            {
                return Self.duplicate(field, status: options.duplicateStatus)
            }
            payload.apply(to: &user)
            guarded.state.replace(user)
            return .json(200, user)
        }
    }

    /// Hard delete by default (also purges a soft-deleted user); soft delete hides a live user.
    func deleteUser(id: String, soft: Bool) -> SandboxReply {
        mutate { guarded in
            guard var user = guarded.state.users[id.lowercased()] else { return .notFound }
            if soft {
                guard !user.deleted else { return .notFound }
                user.deleted = true
                guarded.state.replace(user)
            } else {
                guarded.state.remove(id: user.id)
            }
            return .noContent
        }
    }

    // MARK: Test introspection

    /// Adds users as given (end-users, a hand-made admin, soft-deleted accounts…).
    package func seed(_ users: [SandboxUser]) throws {
        _ = mutate { guarded in
            for var user in users {
                if user.organizationID.isEmpty { user.organizationID = guarded.options.orgID.lowercased() }
                guarded.state.insert(user)
            }
            return .noContent
        }
    }

    /// Sets what Podero records of a person's use of the account (`last_login`, `joined_at`,
    /// `is_onboarded`), as a login in the real back office would. Each item names the user by
    /// `id` or `email`; a key that is present is set (null clears it). Returns the names not found.
    package func recordActivity(_ items: [ActivityUpdate]) -> [String] {
        var missing: [String] = []
        _ = mutate { guarded in
            for item in items {
                let key = item.id?.lowercased() ?? ""
                let wanted = item.email?.lowercased()
                let match = guarded.state.users[key] ?? guarded.state.users.values.first { user in
                    wanted != nil && user.email.lowercased() == wanted
                }
                guard var user = match else {
                    missing.append(item.id ?? item.email ?? "?")
                    continue
                }
                if let value = item.lastLogin { user.lastLogin = value }
                if let value = item.joinedAt { user.joinedAt = value }
                if let value = item.isOnboarded { user.isOnboarded = value }
                guarded.state.insert(user)
            }
            return .noContent
        }
        return missing
    }

    /// Every user with its internal soft-delete flag.
    package func dump() -> [SandboxUser] {
        guarded.withLock { $0.state.list(includeDeleted: true) }
    }

    /// Forgets users and tokens and clears the monitor.
    package func reset() {
        _ = mutate { guarded in
            guarded.state.removeAll()
            guarded.tokens.removeAll()
            return .noContent
        }
        monitor.reset()
    }

    /// Runs a change under the lock and appends what it changed to the state file, before the
    /// reply goes out.
    private func mutate(_ body: (inout Guarded) -> SandboxReply) -> SandboxReply {
        guarded.withLock { guarded in
            let reply = body(&guarded)
            let changes = guarded.state.takeChanges()
            stateFile?.append(changes)
            return reply
        }
    }

    private static func duplicate(_ field: String, status: Int) -> SandboxReply {
        let what = field == "email" ? "email" : "external user id"
        if status == 422 {
            return .validation([ValidationProblem("value_error", field: field, "Value error, a user with this \(what) already exists in this organization")])
        }
        return .detail(status, "A user with this \(what) already exists in this organization.")
    }

    private static func basicCredentials(_ header: String?) -> (id: String, secret: String)? {
        guard let header, header.lowercased().hasPrefix("basic "),
            let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }

    private static func grantType(body: Data, contentType: String?) -> String? {
        if contentType?.lowercased().contains("application/x-www-form-urlencoded") == true {
            let text = String(decoding: body, as: UTF8.self)
            for pair in text.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0] == "grant_type" {
                    return String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
                }
            }
            return nil
        }
        guard let object = try? JSONDecoder().decode([String: JSONValue].self, from: body),
            case .string(let grant)? = object["grant_type"]
        else { return nil }
        if let scope = object["scope"], case .string = scope {} else if object["scope"] != nil { return nil }
        return grant
    }

    private static func randomToken() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<30).map { _ in alphabet.randomElement()! })
    }

    private static func timestamp() -> String {
        Date().formatted(.iso8601)
    }
}

private struct TokenBody: Encodable {
    var access_token: String
    var expires_in: Int
    var token_type: String
    var scope: String
}

/// One item of `POST /_sandbox/activity`. A key that is absent leaves the field alone; a key
/// that is null clears it (hence the double optionals).
package struct ActivityUpdate: Decodable, Sendable {
    package var id: String?
    package var email: String?
    package var lastLogin: String??
    package var joinedAt: String??
    package var isOnboarded: Bool??

    enum CodingKeys: String, CodingKey {
        case id, email, lastLogin = "last_login", joinedAt = "joined_at", isOnboarded = "is_onboarded"
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decodeIfPresent(String.self, forKey: .id)
        email = try c.decodeIfPresent(String.self, forKey: .email)
        if c.contains(.lastLogin) { lastLogin = .some(try c.decodeIfPresent(String.self, forKey: .lastLogin)) }
        if c.contains(.joinedAt) { joinedAt = .some(try c.decodeIfPresent(String.self, forKey: .joinedAt)) }
        if c.contains(.isOnboarded) { isOnboarded = .some(try c.decodeIfPresent(Bool.self, forKey: .isOnboarded)) }
    }
}
