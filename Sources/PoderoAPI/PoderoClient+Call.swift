import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import TeamSyncCore

extension PoderoClient {
    /// One API call with a bearer token, retried by the client's retry loop when transient.
    /// `deleteTolerantly`: a 404 after an attempt whose outcome is unknown means that attempt
    /// already deleted the account.
    func call(
        _ operation: String, _ method: HTTPMethod, _ url: String, body: Data? = nil, limit: Int = HTTPExchange.singleLimit,
        deleteTolerantly: Bool = false
    ) async throws -> HTTPExchange {
        try await retryLoop.run(operation) { history in
            let exchange = try await attempt(operation, method, url, body: body, limit: limit)
            if let error = exchange.error(operation: operation) {
                if error.kind == .notFound, deleteTolerantly, history.earlierOutcomeUnknown { return exchange }
                throw error.withRetryAfter(exchange)
            }
            return exchange
        }
    }

    /// One attempt with a bearer token; a refused token is renewed once and the request sent
    /// again at once. Returns the answer whatever its status.
    func attempt(_ operation: String, _ method: HTTPMethod, _ url: String, body: Data?, limit: Int) async throws -> HTTPExchange {
        var renewed = false
        while true {
            let token = try await tokens.token()
            var headers = HTTPHeaders()
            headers.add(name: "Authorization", value: "Bearer \(token)")
            headers.add(name: "Accept", value: "application/json")
            if body != nil { headers.add(name: "Content-Type", value: "application/json") }
            let exchange = try await Self.send(
                http, limiter, method: method, url: url, headers: headers, body: body, timeout: settings.timeout, limit: limit,
                operation: operation)
            guard exchange.status == 401, !renewed else { return exchange }
            renewed = true
            await tokens.invalidate(token)
            logger.debug("access token refused; renewing it", metadata: ["operation": "\(operation)"])
        }
    }

    /// Sends one request through the limiter and tells it what the answer said about the
    /// server's load.
    static func send(
        _ http: HTTPClient, _ limiter: AdaptiveLimiter, method: HTTPMethod, url: String, headers: HTTPHeaders, body: Data?,
        timeout: Duration, limit: Int = HTTPExchange.singleLimit, operation: String
    ) async throws -> HTTPExchange {
        let exchange = try await limiter.run {
            try await HTTPExchange.perform(
                http, method: method, url: url, headers: headers, body: body, timeout: timeout, limit: limit, operation: operation)
        }
        Heartbeat.process.beat()  // an answer: the watchdog's proof of progress
        switch exchange.status {
        case 429: await limiter.record(.throttled(retryAfter: exchange.retryAfter))
        case 503: await limiter.record(.overloaded)
        case 200..<300: await limiter.record(.success)
        default: break
        }
        return exchange
    }

    /// `POST /oauth2/token/` with Basic auth and a JSON body; retried by the same loop as any call.
    static func fetchToken(
        settings: PoderoSettings, http: HTTPClient, limiter: AdaptiveLimiter, retryLoop: RetryLoop
    ) async throws -> (token: String, lifetime: Duration) {
        let credentials = Data("\(settings.clientID):\(settings.clientSecret.exposedValue)".utf8).base64EncodedString()
        var headers = HTTPHeaders()
        headers.add(name: "Authorization", value: "Basic \(credentials)")
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Cache-Control", value: "no-cache")
        let body = Data(#"{"grant_type":"client_credentials"}"#.utf8)
        let requestHeaders = headers
        let url = settings.baseURL + "/oauth2/token/"
        return try await retryLoop.run("token") { _ in
            let exchange = try await send(
                http, limiter, method: .POST, url: url, headers: requestHeaders, body: body, timeout: settings.timeout, operation: "token")
            if let error = exchange.error(operation: "token", tokenEndpoint: true) { throw error.withRetryAfter(exchange) }
            guard let token = try? JSONDecoder().decode(TokenResponse.self, from: exchange.data), !token.accessToken.isEmpty else {
                throw PoderoError(.invalidResponse, operation: "token", status: exchange.status, detail: "no access_token in the answer")
            }
            return (token.accessToken, .seconds(max(token.expiresIn ?? 3600, 1)))
        }
    }
}

extension PoderoError {
    /// The error with the answer's `Retry-After`, if it had one.
    func withRetryAfter(_ exchange: HTTPExchange) -> PoderoError {
        var error = self
        error.retryAfterHint = exchange.retryAfter
        return error
    }
}
