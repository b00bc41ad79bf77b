import Foundation
import Testing
import TeamSyncCore
@testable import PoderoAPI
@testable import PoderoSandbox

@Suite("Polite under rate limits: one pause for all requests, adaptive concurrency")
struct RateLimitTests {
    @Test("against 5 requests/s, 30 creates through 4 connections: 429s stay under a quarter of the useful requests")
    func fewRejections() async throws {
        let retry = RetryPolicy(maxAttempts: 20, baseDelay: .milliseconds(50), maxDelay: .seconds(2), totalBudget: .seconds(60))
        try await TestSandbox.run(maxConcurrency: 4, retry: retry) { sandbox in
            _ = try await sandbox.client.listAccounts(includeDeleted: false)  // the token, before the limit
            sandbox.setSwitches { $0.rateLimit = 5 }
            let client = sandbox.client
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<30 { group.addTask { _ = try await client.create(TestSandbox.newAccount(n)) } }
                try await group.waitForAll()
            }
            let posts = sandbox.requests("POST").map(\.status)
            let useful = posts.filter { $0 == 200 || $0 == 201 }.count
            let rejected = posts.filter { $0 == 429 }.count
            #expect(useful == 30)
            #expect(sandbox.store.dump().count == 30)
            #expect(Double(rejected) <= Double(useful) * 0.25, "\(rejected) answered 429 for \(useful) useful requests")
        }
    }

    @Test("a 429 pauses every request of the client until Retry-After, and halves the limit")
    func pauseForAll() async throws {
        let limiter = AdaptiveLimiter(limit: 8, calmBeforeGrowth: .milliseconds(200))
        await limiter.record(.throttled(retryAfter: .milliseconds(300)))
        #expect(await limiter.limit == 4)
        let clock = ContinuousClock()
        let start = clock.now
        try await withThrowingTaskGroup(of: Duration.self) { group in
            for _ in 0..<3 { group.addTask { try await limiter.run { clock.now - start } } }
            for try await waited in group { #expect(waited >= .milliseconds(290)) }
        }
        // Throttling answers that arrive together halve it once; a 503 later halves it again.
        await limiter.record(.throttled(retryAfter: nil))
        #expect(await limiter.limit == 4)
    }

    @Test("concurrency grows back slowly, one step after a calm period, never past max_concurrency")
    func growsBack() async throws {
        let limiter = AdaptiveLimiter(limit: 4, calmBeforeGrowth: .milliseconds(100))
        await limiter.record(.overloaded)
        #expect(await limiter.limit == 2)
        for _ in 0..<10 { await limiter.record(.success) }
        #expect(await limiter.limit == 2)  // not calm yet
        try await Task.sleep(for: .milliseconds(120))
        for _ in 0..<4 { await limiter.record(.success) }
        #expect(await limiter.limit == 3)
        for _ in 0..<100 { await limiter.record(.success) }
        #expect(await limiter.limit == 4)
    }
}
