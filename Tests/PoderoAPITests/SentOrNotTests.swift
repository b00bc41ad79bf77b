import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import Testing
import TeamSyncCore
@testable import PoderoAPI

@Suite("Was the request sent? Decided by error type, failing safe")
struct SentOrNotTests {
    @Test("errors known to come before any byte was sent count as not sent", arguments: [
        ("connection refused", IOError(errnoCode: ECONNREFUSED, reason: "connect") as any Error),
        ("network unreachable", IOError(errnoCode: ENETUNREACH, reason: "connect")),
        ("connect timeout (NIO)", ChannelError.connectTimeout(.seconds(1))),
        ("connect timeout (client)", HTTPClientError.connectTimeout),
        ("TLS handshake timeout", HTTPClientError.tlsHandshakeTimeout),
        ("no connection from the pool in time", HTTPClientError.getConnectionFromPoolTimeout),
        ("invalid URL", HTTPClientError.invalidURL),
    ])
    func notSent(name: String, error: any Error) {
        #expect(HTTPExchange.classify(error, operation: "create").outcomeUnknown == false, "\(name)")
    }

    @Test("everything else leaves the outcome unknown: a create must look before it is sent again", arguments: [
        ("connection reset by peer", IOError(errnoCode: ECONNRESET, reason: "read") as any Error),
        ("broken pipe", IOError(errnoCode: EPIPE, reason: "write")),
        ("remote closed the connection", HTTPClientError.remoteConnectionClosed),
        ("read timeout", HTTPClientError.readTimeout),
        ("deadline exceeded", HTTPClientError.deadlineExceeded),
        ("EOF", ChannelError.eof),
        ("I/O on a closed channel", ChannelError.ioOnClosedChannel),
        ("cancelled", CancellationError()),
        ("an error of a type nobody knows", POSIXError(.EIO)),
    ])
    func unknown(name: String, error: any Error) {
        #expect(HTTPExchange.classify(error, operation: "create").outcomeUnknown == true, "\(name)")
    }

    @Test("a refused connection, for real: a transport error whose request was not sent")
    func refusedForReal() async throws {
        let server = try ResettingServer()
        let port = server.port
        server.stop()
        let client = PoderoClient(settings: Self.settings(port: port, attempts: 2), logger: Logger(label: "t"))
        do {
            _ = try await client.listAccounts(includeDeleted: false)
            Issue.record("expected an error")
        } catch let error as PoderoError {
            #expect(!error.outcomeUnknown)
            #expect(error.kind == .transport || error.kind == .timeout)
        }
        try await client.shutdown()
    }

    @Test("a reset after the POST arrived: the create is not sent again; the look-up finds the account")
    func resetAfterPost() async throws {
        let server = try ResettingServer()
        defer { server.stop() }
        let client = PoderoClient(settings: Self.settings(port: server.port, attempts: 4), logger: Logger(label: "t"))
        let created = try await client.create(NewAccount(role: .staff, email: "ext-7@example.com", firstName: nil, lastName: nil, externalID: ExternalID("ext-7")))
        try await client.shutdown()
        #expect(created.id == "u-1")
        let lines = server.lines
        #expect(lines.filter { $0.hasPrefix("POST") && $0.hasSuffix("/users") }.count == 1)
        #expect(lines.contains { $0.contains("/by-ext-id/ext-7") })
    }

    static func settings(port: Int, attempts: Int) -> PoderoSettings {
        PoderoSettings(
            baseURL: "http://127.0.0.1:\(port)", orgID: "3fa85f64-5717-4562-b3fc-2c963f66afa6", clientID: "x", clientSecret: Secret("y"),
            timeout: .seconds(2), retry: RetryPolicy(maxAttempts: attempts, baseDelay: .milliseconds(5), maxDelay: .milliseconds(50), totalBudget: .seconds(10)))
    }
}
