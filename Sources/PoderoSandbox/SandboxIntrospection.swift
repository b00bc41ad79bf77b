import Foundation
import Hummingbird

/// Test-only routes under `/_sandbox/` (not part of the Podero API; no auth, no faults):
///
/// | route | what |
/// |---|---|
/// | `GET /_sandbox/state` | every user, with the internal `deleted` flag |
/// | `POST /_sandbox/seed` | add users: a JSON array of user objects (`deleted: true` allowed) |
/// | `POST /_sandbox/activity` | set `last_login`, `joined_at`, `is_onboarded` of users named by `id` or `email`: `[{"email": …, "last_login": …}]` |
/// | `POST /_sandbox/reset` | forget users, tokens, counters and the log |
/// | `GET /_sandbox/requests` | the request log: `[{method, path, status, at}]` (`at`: arrival, seconds since 1970) |
/// | `GET /_sandbox/stats` | `{requests, in_flight, max_in_flight, faults, rate_limited}` |
/// | `POST /_sandbox/stats/reset` | clear counters and the log |
/// | `GET /_sandbox/faults`, `PUT /_sandbox/faults` | read or change switches at run time |
/// | `POST /_sandbox/expire-tokens` | every issued token expires now |
enum SandboxIntrospection {
    static func add(_ router: Router<BasicRequestContext>, _ store: SandboxStore) {
        let prefix = SandboxRoutes.introspectionPrefix
        router.get(RouterPath(prefix + "state")) { _, _ in
            let encoder = JSONEncoder()
            encoder.userInfo[SandboxUser.includeDeletedFlag] = true
            return SandboxReply(status: 200, body: try encoder.encode(store.dump())).response
        }
        router.post(RouterPath(prefix + "seed")) { request, _ in
            let body = try await request.body.collect(upTo: 64 << 20)
            do {
                try store.seed(JSONDecoder().decode([SandboxUser].self, from: Data(buffer: body)))
                return SandboxReply.noContent.response
            } catch {
                return SandboxReply.detail(400, "seed needs a JSON array of users with at least role and email").response
            }
        }
        router.post(RouterPath(prefix + "activity")) { request, _ in
            let body = try await request.body.collect(upTo: 64 << 20)
            guard let items = try? JSONDecoder().decode([ActivityUpdate].self, from: Data(buffer: body)) else {
                return SandboxReply.detail(400, "activity needs a JSON array of {id or email, last_login, joined_at, is_onboarded}").response
            }
            let missing = store.recordActivity(items)
            return missing.isEmpty ? SandboxReply.noContent.response
                : SandboxReply.detail(404, "no such user: " + missing.prefix(10).joined(separator: ", ")).response
        }
        router.post(RouterPath(prefix + "reset")) { _, _ in
            store.reset()
            return SandboxReply.noContent.response
        }
        router.get(RouterPath(prefix + "requests")) { _, _ in SandboxReply.json(200, store.monitor.log).response }
        router.get(RouterPath(prefix + "stats")) { _, _ in SandboxReply.json(200, store.monitor.stats).response }
        router.post(RouterPath(prefix + "stats/reset")) { _, _ in
            store.monitor.reset()
            return SandboxReply.noContent.response
        }
        router.get(RouterPath(prefix + "faults")) { _, _ in SandboxReply.json(200, store.options.redacted).response }
        router.put(RouterPath(prefix + "faults")) { request, _ in
            let body = try await request.body.collect(upTo: SandboxRoutes.bodyLimit)
            guard let switches = try? JSONDecoder().decode(SandboxOptions.LiveSwitches.self, from: Data(buffer: body)) else {
                return SandboxReply.detail(400, "expected a JSON object of switches").response
            }
            store.apply(switches)
            return SandboxReply.json(200, store.options.redacted).response
        }
        router.post(RouterPath(prefix + "expire-tokens")) { _, _ in
            store.expireTokens()
            return SandboxReply.noContent.response
        }
    }
}
