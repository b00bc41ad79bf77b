import Foundation
import PoderoAPI
import PoderoSandbox
import Testing
import TeamSyncCore

@Suite("Podero client: tokens, retries, limits, duplicates")
struct ClientResilienceTests {
    @Test("one token serves many calls, and concurrent first callers share one fetch")
    func tokenShared() async throws {
        try await TestSandbox.run { sandbox in
            let client = sandbox.client
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<20 { group.addTask { _ = try await client.listAccounts(includeDeleted: false) } }
                try await group.waitForAll()
            }
            #expect(await client.tokenFetches == 1)
            #expect(sandbox.requests("POST", containing: "/oauth2/token").count == 1)
        }
    }

    @Test("the token is renewed shortly before it expires")
    func tokenRenewedBeforeExpiry() async throws {
        try await TestSandbox.run(configure: { $0.tokenLifetime = 6 }) { sandbox in
            _ = try await sandbox.client.listAccounts(includeDeleted: false)
            try await Task.sleep(for: .milliseconds(3_300))  // renewal point: 6 s minus 3 s of margin
            _ = try await sandbox.client.listAccounts(includeDeleted: false)
            #expect(await sandbox.client.tokenFetches == 2)
            #expect(sandbox.requests("GET").allSatisfy { $0.status == 200 })
        }
    }

    @Test("a refused token is renewed once and the call succeeds")
    func tokenRenewedOn401() async throws {
        try await TestSandbox.run { sandbox in
            _ = try await sandbox.client.listAccounts(includeDeleted: false)
            sandbox.store.expireTokens()
            _ = try await sandbox.client.listAccounts(includeDeleted: false)
            #expect(await sandbox.client.tokenFetches == 2)
            #expect(sandbox.requests("GET").map(\.status) == [200, 401, 200])
        }
    }

    @Test("wrong client credentials: a clear error that never shows the secret")
    func wrongSecret() async throws {
        try await TestSandbox.run(secret: "wrong-secret-value") { sandbox in
            do {
                _ = try await sandbox.client.listAccounts(includeDeleted: false)
                Issue.record("expected an authentication error")
            } catch let error as PoderoError {
                #expect(error.kind == .authentication)
                #expect(String(describing: error).contains("client_secret_file"))
                #expect(!String(describing: error).contains("wrong-secret-value"))
                #expect(!String(describing: error).contains(TestSandbox.clientSecret))
            }
            #expect(sandbox.requests("POST", containing: "/oauth2/token").count == 1)  // 401 is not retried
        }
    }

    @Test("5xx is retried with backoff until it succeeds")
    func retriesServerErrors() async throws {
        // Half of all requests fail: 24 attempts make 24 failures in a row (0.5^24 per call, about
        // one run in 800,000 for the 20 calls) too rare to flake; 12 attempts failed a CI run.
        try await TestSandbox.run(retry: RetryPolicy(maxAttempts: 24, baseDelay: .milliseconds(2), maxDelay: .milliseconds(20), totalBudget: .seconds(20))) { sandbox in
            _ = try await sandbox.client.listAccounts(includeDeleted: false)
            sandbox.setSwitches { $0.faultRate = 0.5; $0.faultMode = .before }
            for _ in 0..<20 { _ = try await sandbox.client.listAccounts(includeDeleted: false) }
            let statuses = sandbox.requests("GET").map(\.status)
            #expect(statuses.contains { $0 >= 500 })
            #expect(statuses.filter { $0 == 200 }.count == 21)
        }
    }

    @Test("5xx forever: gives up after the bound of attempts")
    func givesUp() async throws {
        try await TestSandbox.run(configure: { $0.faultRate = 1; $0.faultMode = .before }) { sandbox in
            sandbox.setSwitches { $0.faultRate = 0 }
            _ = try await sandbox.client.listAccounts(includeDeleted: false)
            sandbox.setSwitches { $0.faultRate = 1 }
            do {
                _ = try await sandbox.client.listAccounts(includeDeleted: false)
                Issue.record("expected a server error")
            } catch let error as PoderoError {
                #expect(error.kind == .server)
                #expect(error.isTransient)
            }
            #expect(sandbox.requests("GET").count == 1 + 4)
        }
    }

    @Test("a token endpoint that keeps failing: one round of attempts for the call, not one per attempt of the call")
    func tokenFailuresDoNotMultiply() async throws {
        try await TestSandbox.run(configure: { $0.faultRate = 1; $0.faultMode = .before }) { sandbox in
            do {
                _ = try await sandbox.client.listAccounts(includeDeleted: false)
                Issue.record("expected a server error")
            } catch let error as PoderoError {
                #expect(error.kind == .server && error.operation == "token")
                #expect(error.isTransient, "still transient for whoever decides what to do next")
            }
            #expect(sandbox.requests("POST", containing: "/oauth2/token").count == 4)  // not 4 × 4
            #expect(sandbox.requests("GET").isEmpty)
        }
    }

    @Test("429 is retried after Retry-After")
    func honoursRetryAfter() async throws {
        try await TestSandbox.run(retry: RetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(1), maxDelay: .seconds(2), totalBudget: .seconds(20))) { sandbox in
            _ = try await sandbox.client.listAccounts(includeDeleted: false)
            // Start the limit at a fresh second so the test does not depend on where in a second it runs.
            let fraction = Date().timeIntervalSince1970.truncatingRemainder(dividingBy: 1)
            try await Task.sleep(for: .milliseconds(Int((1 - fraction) * 1000) + 20))
            sandbox.setSwitches { $0.rateLimit = 2 }
            let clock = ContinuousClock()
            let start = clock.now
            for _ in 0..<3 { _ = try await sandbox.client.listAccounts(includeDeleted: false) }
            let elapsed = clock.now - start
            let statuses = sandbox.requests("GET").map(\.status)
            #expect(statuses.filter { $0 == 429 }.count >= 1)
            #expect(statuses.filter { $0 == 200 }.count == 4)
            #expect(elapsed >= .milliseconds(900))  // waited for Retry-After: 1, not the 1 ms backoff
        }
    }

    @Test("422 is not retried")
    func noRetryOnValidation() async throws {
        try await TestSandbox.run { sandbox in
            var invalid = TestSandbox.newAccount(1)
            invalid.email = "not an e-mail"
            do {
                _ = try await sandbox.client.create(invalid)
                Issue.record("expected a validation error")
            } catch let error as PoderoError {
                #expect(error.kind == .validation)
                #expect(error.status == 422)
                #expect(error.detail?.contains("email") == true)
            }
            #expect(sandbox.requests("POST", containing: "/users").count == 1)
        }
    }

    @Test("duplicate e-mail or external id is its own error kind", arguments: [409, 422])
    func duplicates(status: Int) async throws {
        try await TestSandbox.run(configure: { $0.duplicateStatus = status }) { sandbox in
            _ = try await sandbox.client.create(TestSandbox.newAccount(1))
            var sameEmail = TestSandbox.newAccount(2)
            sameEmail.email = "PERSON1@example.com"
            var sameID = TestSandbox.newAccount(3)
            sameID.externalID = ExternalID("ext-1")
            for (account, field) in [(sameEmail, PoderoError.DuplicateField.email), (sameID, .externalID)] {
                do {
                    _ = try await sandbox.client.create(account)
                    Issue.record("expected a duplicate")
                } catch let error as PoderoError {
                    #expect(error.kind == .duplicate(field))
                    #expect(error.status == status)
                    #expect(!String(describing: error).contains("@"))
                }
            }
            #expect(sandbox.requests("POST", containing: "/users").count == 3)
        }
    }

    @Test("soft-deleted accounts block reuse only when the emulator says so", arguments: [false, true])
    func softDeletedReuse(blocks: Bool) async throws {
        try await TestSandbox.run(configure: { $0.softDeletedBlocksReuse = blocks }) { sandbox in
            let first = try await sandbox.client.create(TestSandbox.newAccount(1))
            try await sandbox.client.delete(id: first.id, soft: true)
            do {
                let again = try await sandbox.client.create(TestSandbox.newAccount(1))
                #expect(!blocks)
                #expect(again.id != first.id)
            } catch let error as PoderoError {
                #expect(blocks)
                #expect(error.kind == .duplicate(.email))
            }
        }
    }

    @Test("at most max_concurrency requests are in flight")
    func concurrencyLimit() async throws {
        try await TestSandbox.run(configure: { $0.latencyMilliseconds = 30 }, maxConcurrency: 3) { sandbox in
            let client = sandbox.client
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<24 { group.addTask { _ = try await client.create(TestSandbox.newAccount(n)) } }
                try await group.waitForAll()
            }
            let stats = sandbox.store.monitor.stats
            #expect(stats.maxInFlight == 3)
            #expect(sandbox.store.dump().count == 24)
        }
    }

    @Test("a create whose answer was lost is not sent twice: the client looks first")
    func neverBlindCreate() async throws {
        try await TestSandbox.run { sandbox in
            _ = try await sandbox.client.listAccounts(includeDeleted: false)
            sandbox.setSwitches { $0.faultRate = 1; $0.faultMode = .after }
            let task = Task { try await sandbox.client.create(TestSandbox.newAccount(7)) }
            // The first POST is made and its answer replaced by a 503; let the look-up through.
            while sandbox.requests("POST", containing: "/users").isEmpty { try await Task.sleep(for: .milliseconds(2)) }
            sandbox.setSwitches { $0.faultRate = 0 }
            let created = try await task.value
            #expect(created.externalID == ExternalID("ext-7"))
            #expect(sandbox.requests("POST", containing: "/users").count == 1)
            #expect(sandbox.requests("GET", containing: "/by-ext-id/ext-7").count >= 1)
            #expect(sandbox.store.dump().count == 1)
        }
    }

    @Test("an unreachable API is a transport error after the bounded retries")
    func unreachable() async throws {
        let sandbox = try await TestSandbox()
        let port = sandbox.port
        try await sandbox.stop()
        let settings = PoderoSettings(
            baseURL: "http://127.0.0.1:\(port)", orgID: TestSandbox.orgID, clientID: "x", clientSecret: Secret("y"),
            timeout: .seconds(1), retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(5), totalBudget: .seconds(5)))
        let client = PoderoClient(settings: settings, logger: .init(label: "t"))
        do {
            _ = try await client.listAccounts(includeDeleted: false)
            Issue.record("expected an error")
        } catch let error as PoderoError {
            #expect(error.kind == .transport || error.kind == .timeout)
        }
        try await client.shutdown()
    }
}
