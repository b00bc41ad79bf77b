import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOHTTPCompression
import NIOPosix

/// One request and its answer, with transport failures turned into `PoderoError`s.
struct HTTPExchange: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: ByteBuffer

    /// The largest users list read, after decompression: about 400,000 users (100,000 are
    /// about 60 MB). Also the client's decompression limit.
    static let listLimit = 256 << 20
    /// The largest answer of any other call (one user, a token, an error), after decompression.
    static let singleLimit = 1 << 20

    /// Sends one request; never retries. `timeout` bounds the whole exchange — connecting,
    /// sending, the answer's head and its whole body — and `limit` the body's size.
    static func perform(
        _ client: HTTPClient, method: HTTPMethod, url: String, headers: HTTPHeaders, body: Data?, timeout: Duration,
        limit: Int = singleLimit, operation: String
    ) async throws -> HTTPExchange {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers = headers
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let seconds = timeout.components.seconds
        let deadline = TimeAmount.milliseconds(seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        let prepared = request
        do {
            // AsyncHTTPClient's deadline bounds connecting, sending and the answer's head (and
            // says which failures left nothing sent); the body gets what is left of the timeout.
            let clock = ContinuousClock()
            let started = clock.now
            let response = try await client.execute(prepared, timeout: deadline)
            let remaining = timeout - (clock.now - started)
            let body = response.body
            let collected = try await within(remaining > .zero ? remaining : .zero, operation: operation) {
                try await body.collect(upTo: limit)
            }
            return HTTPExchange(status: Int(response.status.code), headers: response.headers, body: collected)
        } catch let error as PoderoError {
            throw error
        } catch is NIOTooManyBytesError {
            throw PoderoError(.invalidResponse, operation: operation, detail: "the answer is larger than \(limit >> 20) MiB", outcomeUnknown: true)
        } catch let error as NIOHTTPDecompression.DecompressionError {
            throw PoderoError(.invalidResponse, operation: operation, detail: "the compressed answer \(error == .limit ? "inflates beyond the limit" : "is corrupt")", outcomeUnknown: true)
        } catch {
            throw classify(error, operation: operation)
        }
    }

    /// Runs `body` (reading an answer's body), cancelling it when `timeout` has passed first: a
    /// body trickling in would otherwise never end. The request was sent: the outcome is unknown.
    static func within<T: Sendable>(_ timeout: Duration, operation: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw PoderoError(.timeout, operation: operation, detail: "no complete answer in \(timeout)", outcomeUnknown: true)
            }
            return value
        }
    }

    /// Was the request sent? Decided by the error's type, failing safe: only failures known to
    /// happen before any byte of the request left (no connection could be made, the URL is
    /// unusable) count as "not sent". Everything else — a reset, a closed connection, a timeout
    /// after connecting, an error of unknown type — leaves the outcome unknown, so that a create
    /// looks the person up before it is sent again.
    static func classify(_ error: any Error, operation: String) -> PoderoError {
        switch error {
        case let error as HTTPClientError:
            if Self.notConnected.contains(error) {
                return PoderoError(.timeout, operation: operation, detail: "connecting timed out", outcomeUnknown: false)
            }
            if Self.unusableURL.contains(error) {
                return PoderoError(.transport, operation: operation, detail: "podero.base_url is not a usable URL", outcomeUnknown: false)
            }
            if error == .deadlineExceeded || error == .readTimeout || error == .writeTimeout {
                return PoderoError(.timeout, operation: operation, outcomeUnknown: true)
            }
            return PoderoError(.transport, operation: operation, detail: "the connection failed after it was made", outcomeUnknown: true)
        case is NIOConnectionError:
            // Every address was tried and none accepted the connection.
            return PoderoError(.transport, operation: operation, detail: "cannot connect", outcomeUnknown: false)
        case ChannelError.connectTimeout:
            return PoderoError(.timeout, operation: operation, detail: "connecting timed out", outcomeUnknown: false)
        case let error as IOError where Self.connectErrnos.contains(error.errnoCode):
            return PoderoError(.transport, operation: operation, detail: "cannot connect", outcomeUnknown: false)
        default:
            return PoderoError(.transport, operation: operation, detail: "the connection failed", outcomeUnknown: true)
        }
    }

    /// AsyncHTTPClient's errors for a request that never had a connection.
    static let notConnected: [HTTPClientError] = [
        .connectTimeout, .tlsHandshakeTimeout, .getConnectionFromPoolTimeout, .socksHandshakeTimeout, .httpProxyHandshakeTimeout,
    ]
    /// AsyncHTTPClient's errors for a URL it cannot send to.
    static let unusableURL: [HTTPClientError] = [.invalidURL, .emptyHost, .emptyScheme, .missingSocketPath]

    /// errno values only `connect(2)` gives: nothing was sent. (ECONNRESET, EPIPE and the like
    /// can come after the request left, so they are not here.)
    static let connectErrnos: Set<Int32> = [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH, EADDRNOTAVAIL]

    var data: Data { Data(body.readableBytesView) }

    /// The error this answer means, or nil for 2xx.
    func error(operation: String, tokenEndpoint: Bool = false) -> PoderoError? {
        guard !(200..<300).contains(status) else { return nil }
        let detail = APIErrorBody.detail(from: data)
        let unknown = status >= 500
        switch status {
        case 401 where tokenEndpoint, 400 where tokenEndpoint:
            return PoderoError(.authentication, operation: operation, status: status, detail: detail.text)
        case 401: return PoderoError(.unauthorized, operation: operation, status: status, detail: detail.text)
        case 403: return PoderoError(.forbidden, operation: operation, status: status, detail: detail.text)
        case 404: return PoderoError(.notFound, operation: operation, status: status, detail: detail.text)
        case 408: return PoderoError(.timeout, operation: operation, status: status, detail: detail.text, outcomeUnknown: true)
        case 409: return PoderoError(.duplicate(detail.duplicateField ?? .unknown), operation: operation, status: status, detail: detail.text)
        case 422 where detail.duplicateField != nil:
            return PoderoError(.duplicate(detail.duplicateField!), operation: operation, status: status, detail: detail.text)
        case 429: return PoderoError(.rateLimited, operation: operation, status: status, detail: detail.text)
        case 500...599: return PoderoError(.server, operation: operation, status: status, detail: detail.text, outcomeUnknown: unknown)
        case 400...499: return PoderoError(.validation, operation: operation, status: status, detail: detail.text)
        default: return PoderoError(.invalidResponse, operation: operation, status: status, detail: detail.text)
        }
    }

    /// `Retry-After`, when present and readable.
    var retryAfter: Duration? { RetryPolicy.parseRetryAfter(headers.first(name: "Retry-After")) }
}

/// Reads the API's error bodies: `{"detail": "..."}`, `{"detail": [{"loc", "msg", "type"}]}`,
/// and OAuth2's `{"error": "..."}`.
enum APIErrorBody {
    struct Parsed {
        var text: String?
        /// Set when the body says an e-mail or external id is already taken.
        var duplicateField: PoderoError.DuplicateField?
    }

    private struct Item: Decodable {
        var loc: [LocationPart]?
        var msg: String?
    }

    private enum LocationPart: Decodable {
        case name(String)
        case index(Int)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Int.self) { self = .index(number) } else { self = .name(try container.decode(String.self)) }
        }

        var name: String? { if case .name(let text) = self { text } else { nil } }
    }

    private enum Detail: Decodable {
        case text(String)
        case items([Item])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) { self = .text(text) } else { self = .items(try container.decode([Item].self)) }
        }
    }

    private struct Body: Decodable {
        var detail: Detail?
        var error: String?
    }

    static func detail(from data: Data) -> Parsed {
        guard let body = try? JSONDecoder().decode(Body.self, from: data) else {
            return Parsed(text: nil, duplicateField: nil)
        }
        switch body.detail {
        case .text(let text):
            return Parsed(text: text, duplicateField: duplicate(in: text, location: []))
        case .items(let items):
            let text = items.map { item in
                let location = (item.loc ?? []).compactMap(\.name).filter { $0 != "body" && $0 != "payload" }
                return (location.isEmpty ? "" : location.joined(separator: ".") + ": ") + (item.msg ?? "invalid")
            }.joined(separator: "; ")
            let field = items.lazy.compactMap { duplicate(in: $0.msg ?? "", location: ($0.loc ?? []).compactMap(\.name)) }.first
            return Parsed(text: text, duplicateField: field)
        case nil:
            return Parsed(text: body.error, duplicateField: nil)
        }
    }

    private static func duplicate(in message: String, location: [String]) -> PoderoError.DuplicateField? {
        let lower = message.lowercased()
        let saysTaken = ["already exist", "already taken", "already in use", "duplicate", "unique"].contains { lower.contains($0) }
        guard saysTaken else { return nil }
        if location.contains("email") || lower.contains("email") || lower.contains("e-mail") { return .email }
        if location.contains("external_user_id") || lower.contains("external") { return .externalID }
        return .unknown
    }
}
