import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

extension PoderoClient {
    /// One API call with a bearer token: retried with backoff when transient (and `retrying`),
    /// the token renewed once when the API answers 401, at most `max_concurrency` in flight.
    func call(
        _ operation: String, _ method: HTTPMethod, _ url: String, body: Data? = nil, retrying: Bool = true,
        treatNotFoundAfterRetryAsSuccess: Bool = false
    ) async throws -> HTTPExchange {
        let policy = settings.retry
        let clock = ContinuousClock()
        let deadline = clock.now + policy.totalBudget
        var attempt = 0
        var renewedToken = false
        var earlierOutcomeUnknown = false
        while true {
            attempt += 1
            let token = try await tokens.token()
            var headers = HTTPHeaders()
            headers.add(name: "Authorization", value: "Bearer \(token)")
            headers.add(name: "Accept", value: "application/json")
            if body != nil { headers.add(name: "Content-Type", value: "application/json") }
            let failure: PoderoError
            do {
                let http = self.http
                let timeout = settings.timeout
                let requestHeaders = headers
                let exchange = try await limiter.run {
                    try await HTTPExchange.perform(http, method: method, url: url, headers: requestHeaders, body: body, timeout: timeout, operation: operation)
                }
                guard var error = exchange.error(operation: operation) else { return exchange }
                if error.kind == .unauthorized, !renewedToken {
                    renewedToken = true
                    await tokens.invalidate(token)
                    logger.debug("access token refused; renewing it", metadata: ["operation": "\(operation)"])
                    attempt -= 1
                    continue
                }
                if error.kind == .notFound, treatNotFoundAfterRetryAsSuccess, earlierOutcomeUnknown {
                    return exchange  // an earlier attempt already deleted it
                }
                error.retryAfterHint = exchange.retryAfter
                failure = error
            } catch let error as PoderoError {
                failure = error
            }
            earlierOutcomeUnknown = earlierOutcomeUnknown || failure.outcomeUnknown
            guard retrying, failure.isTransient, attempt < policy.maxAttempts else { throw failure }
            let delay = policy.delay(afterAttempt: attempt, retryAfter: failure.retryAfterHint)
            guard clock.now + delay < deadline else { throw failure }
            logger.debug("retrying", metadata: ["operation": "\(operation)", "attempt": "\(attempt)", "status": "\(failure.status.map(String.init) ?? "-")"])
            try await Task.sleep(for: delay)
        }
    }

    /// `POST /oauth2/token/` with Basic auth and a JSON body; retried like any call.
    static func fetchToken(
        settings: PoderoSettings, http: HTTPClient, limiter: ConcurrencyLimiter, logger: Logger
    ) async throws -> (token: String, lifetime: Duration) {
        let credentials = Data("\(settings.clientID):\(settings.clientSecret.exposedValue)".utf8).base64EncodedString()
        var headers = HTTPHeaders()
        headers.add(name: "Authorization", value: "Basic \(credentials)")
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Cache-Control", value: "no-cache")
        let body = Data(#"{"grant_type":"client_credentials"}"#.utf8)
        let requestHeaders = headers
        let url = settings.baseURL + "/oauth2/token/"
        let policy = settings.retry
        var attempt = 0
        while true {
            attempt += 1
            let failure: PoderoError
            do {
                let exchange = try await limiter.run {
                    try await HTTPExchange.perform(http, method: .POST, url: url, headers: requestHeaders, body: body, timeout: settings.timeout, operation: "token")
                }
                if var error = exchange.error(operation: "token", tokenEndpoint: true) {
                    error.retryAfterHint = exchange.retryAfter
                    failure = error
                } else {
                    guard let token = try? JSONDecoder().decode(TokenResponse.self, from: exchange.data), !token.accessToken.isEmpty else {
                        throw PoderoError(.invalidResponse, operation: "token", status: exchange.status, detail: "no access_token in the answer")
                    }
                    return (token.accessToken, .seconds(max(token.expiresIn ?? 3600, 1)))
                }
            } catch let error as PoderoError {
                failure = error
            }
            guard failure.isTransient, attempt < policy.maxAttempts else { throw failure }
            try await Task.sleep(for: policy.delay(afterAttempt: attempt, retryAfter: failure.retryAfterHint))
        }
    }
}
