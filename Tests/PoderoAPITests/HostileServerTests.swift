import Foundation
import PoderoAPI
import PoderoSandbox
import Testing
import TeamSyncCore

/// The client against a hostile endpoint: every answer is bounded in time and in size
/// (issue 15 #5 and #8).
@Suite("Podero client: a hostile endpoint")
struct HostileServerTests {
    static let quickRetry = RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(10), maxDelay: .milliseconds(50), totalBudget: .seconds(10))

    @Test("#5: a list trickling in at 200 bytes/s fails with a timeout after podero.timeout per attempt, not after the whole body")
    func slowBody() async throws {
        try await TestSandbox.run(retry: Self.quickRetry, timeout: .seconds(1)) { sandbox in
            for n in 0..<40 { _ = try await sandbox.client.create(TestSandbox.newAccount(n)) }
            _ = try await sandbox.client.listAccounts(includeDeleted: false)
            sandbox.setSwitches { $0.slowBodyBytesPerSecond = 200 }  // the ~8 KB list would take ~40 s
            let clock = ContinuousClock()
            let start = clock.now
            do {
                _ = try await sandbox.client.listAccounts(includeDeleted: false)
                Issue.record("a list trickling in was accepted")
            } catch let error as PoderoError {
                #expect(error.kind == .timeout, "\(error)")
                #expect(error.outcomeUnknown)
            }
            let elapsed = clock.now - start
            #expect(elapsed < .seconds(4), "\(elapsed)")  // two attempts of 1 s and a short pause
            #expect(sandbox.requests("GET").count == 3)  // one normal list, then two attempts
        }
    }

    @Test("#5: a write whose answer trickles in is an unknown outcome, and the create looks before it sends again")
    func slowCreate() async throws {
        try await TestSandbox.run(retry: Self.quickRetry, timeout: .seconds(1)) { sandbox in
            sandbox.setSwitches { $0.slowBodyBytesPerSecond = 20 }
            do {
                _ = try await sandbox.client.create(TestSandbox.newAccount(1))
                Issue.record("a create answered at 20 bytes/s was accepted")
            } catch let error as PoderoError {
                #expect(error.outcomeUnknown, "\(error)")
            }
            #expect(sandbox.requests("POST", containing: "/users").count == 1)  // the lookup found it: never a second create
            #expect(sandbox.store.dump().count == 1)
        }
    }

    @Test("#8: a gzip bomb is refused at the answer's limit: 1 MiB for one user, whatever it inflates to")
    func gzipBomb() async throws {
        try await TestSandbox.run(retry: Self.quickRetry) { sandbox in
            let created = try await sandbox.client.create(TestSandbox.newAccount(1))
            sandbox.setSwitches { $0.gzipBombMiB = 64 }
            do {
                _ = try await sandbox.client.account(id: created.id)
                Issue.record("a 64 MiB bomb was read as one user")
            } catch let error as PoderoError {
                #expect(error.kind == .invalidResponse, "\(error)")
                #expect(error.description.contains("larger than 1 MiB") || error.description.contains("inflates beyond"), "\(error)")
            }
            sandbox.setSwitches { $0.gzipBombMiB = 0 }
            #expect(try await sandbox.client.account(id: created.id)?.id == created.id)
        }
    }

    @Test("#8: the list's bound holds too: a bomb inflating past 256 MiB is refused")
    func gzipBombList() async throws {
        try await TestSandbox.run(retry: Self.quickRetry) { sandbox in
            sandbox.setSwitches { $0.gzipBombMiB = 257 }
            do {
                _ = try await sandbox.client.listAccounts(includeDeleted: false)
                Issue.record("a 257 MiB list was read")
            } catch let error as PoderoError {
                #expect(error.kind == .invalidResponse, "\(error)")
            }
        }
    }
}
