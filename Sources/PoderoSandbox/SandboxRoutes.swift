import Foundation
import Hummingbird

/// The routes of podero-api.md, plus the test-only introspection routes under `/_sandbox/`.
package enum SandboxRoutes {
    /// Prefix of the test-only routes; never part of the emulated API.
    package static let introspectionPrefix = "/_sandbox/"
    static let users = "/api/partners/v2.0/org/:org_id/users"
    static let bodyLimit = 1 << 20

    /// Builds the router with the API routes, the introspection routes and the middleware.
    package static func router(store: SandboxStore) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: SandboxMiddleware(store: store))
        addToken(router, store)
        addUsers(router, store)
        SandboxIntrospection.add(router, store)
        return router
    }

    /// The methods a path supports, or nil when the path is not one of the API's.
    static func allowedMethods(_ path: String) -> [String]? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        if parts == ["oauth2", "token"] { return ["POST"] }
        guard parts.count >= 5, parts[0] == "api", parts[1] == "partners", parts[2] == "v2.0", parts[3] == "org",
            parts.count > 5, parts[5] == "users"
        else { return nil }
        switch parts.count {
        case 6: return ["GET", "POST"]
        case 7: return ["GET", "PUT", "DELETE"]
        case 8 where parts[6] == "by-ext-id": return ["GET"]
        default: return nil
        }
    }

    private static func addToken(_ router: Router<BasicRequestContext>, _ store: SandboxStore) {
        let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            let body = try await request.body.collect(upTo: bodyLimit)
            return store.issueToken(
                authorization: request.headers[.authorization], body: Data(buffer: body),
                contentType: request.headers[.contentType]
            ).response
        }
        // Hummingbird's router treats "/oauth2/token/" and "/oauth2/token" as one path.
        router.post(RouterPath("/oauth2/token/"), use: handler)
    }

    private static func addUsers(_ router: Router<BasicRequestContext>, _ store: SandboxStore) {
        let orgID = store.options.orgID.lowercased()
        @Sendable func inOrg(_ context: BasicRequestContext) -> Bool {
            context.parameters.get("org_id")?.lowercased() == orgID
        }
        router.get(RouterPath(users)) { request, context in
            guard inOrg(context) else { return SandboxReply.notFound.response }
            switch QueryFlag.read("include_deleted", request) {
            case .failure(let rejection): return rejection.reply.response
            case .success(let flag): return store.listUsers(includeDeleted: flag).response
            }
        }
        router.post(RouterPath(users)) { request, context in
            guard inOrg(context) else { return SandboxReply.notFound.response }
            let body = try await request.body.collect(upTo: bodyLimit)
            return store.createUser(body: Data(buffer: body)).response
        }
        router.get(RouterPath(users + "/by-ext-id/:external_id")) { request, context in
            guard inOrg(context), let raw = context.parameters.get("external_id") else { return SandboxReply.notFound.response }
            switch QueryFlag.read("include_deleted", request) {
            case .failure(let rejection): return rejection.reply.response
            case .success(let flag): return store.user(externalID: raw.removingPercentEncoding ?? raw, includeDeleted: flag).response
            }
        }
        router.get(RouterPath(users + "/:user_id")) { request, context in
            guard inOrg(context), let id = context.parameters.get("user_id") else { return SandboxReply.notFound.response }
            switch QueryFlag.read("include_deleted", request) {
            case .failure(let rejection): return rejection.reply.response
            case .success(let flag): return store.user(id: id, includeDeleted: flag).response
            }
        }
        router.put(RouterPath(users + "/:user_id")) { request, context in
            guard inOrg(context), let id = context.parameters.get("user_id") else { return SandboxReply.notFound.response }
            let body = try await request.body.collect(upTo: bodyLimit)
            return store.updateUser(id: id, body: Data(buffer: body)).response
        }
        router.delete(RouterPath(users + "/:user_id")) { request, context in
            guard inOrg(context), let id = context.parameters.get("user_id") else { return SandboxReply.notFound.response }
            switch QueryFlag.read("soft_delete", request) {
            case .failure(let rejection): return rejection.reply.response
            case .success(let soft): return store.deleteUser(id: id, soft: soft).response
            }
        }
    }
}

/// A boolean query parameter read the way the API's framework reads it: absent is false,
/// `true/false/1/0/yes/no/on/off` are accepted, anything else (or the name twice) is a 422.
enum QueryFlag {
    static func read(_ name: String, _ request: Request) -> Result<Bool, PayloadRejection> {
        let values = request.uri.queryParameters.getAll(name)
        guard let value = values.first else { return .success(false) }
        let accepted: [String: Bool] = ["true": true, "1": true, "yes": true, "on": true, "t": true, "y": true,
                                        "false": false, "0": false, "no": false, "off": false, "f": false, "n": false]
        guard values.count == 1, let flag = accepted[value.lowercased()] else {
            return .failure(PayloadRejection(reply: .validation([
                ValidationProblem("bool_parsing", location: ["query", name], "Input should be a valid boolean, unable to interpret input")
            ])))
        }
        return .success(flag)
    }
}
