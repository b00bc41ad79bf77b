import Foundation
import Testing

@Suite("End to end: crashes, faults and rate limits", .serialized)
struct EndToEndRecoveryTests {
    /// Successful creates per e-mail, from the sandbox's request log and state.
    private func assertNoDuplicates(_ world: World) throws {
        let users = try world.sandboxUsers().filter { ["admin", "staff"].contains($0["role"] as? String ?? "") }
        let emails = users.map { ($0["email"] as? String ?? "").lowercased() }
        #expect(Set(emails).count == emails.count, "two accounts for one person")
        let ids = users.compactMap { $0["external_user_id"] as? String }
        #expect(Set(ids).count == ids.count, "two accounts for one external id")
        let creates = try world.sandboxRequests().filter { ($0["method"] as? String) == "POST" && ($0["path"] as? String ?? "").hasSuffix("/users") && [200, 201].contains($0["status"] as? Int ?? 0) }
        #expect(creates.count == users.count, "every successful create is one invitation: \(creates.count) for \(users.count) accounts")
    }

    @Test("kill -9 in the middle of a sync: the next run converges with zero duplicate creates")
    func killedMidRun() throws {
        let world = try World(sandbox: ["--latency", "150ms"])
        defer { world.stop() }
        let process = try world.launch(["sync"])
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let posts = try world.sandboxRequests().filter { ($0["method"] as? String) == "POST" && ($0["path"] as? String ?? "").hasSuffix("/users") }
            if posts.count >= 3 { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        kill(process, SIGKILL)
        #expect(Spawn.wait(process) == 128 + SIGKILL)
        let partial = try world.liveTeam().count
        #expect(partial > 0 && partial < EndToEndSyncTests.desired)
        let second = try world.cli(["sync"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try world.liveTeam().count == EndToEndSyncTests.desired)
        #expect(try world.cli(["plan", "--check"]).status == 0)
        try assertNoDuplicates(world)
        #expect(try world.cli(["audit", "verify"]).status == 0)
        let audit = try world.cli(["audit", "export"]).stdout.split(separator: "\n")
        let createdOK = audit.filter { $0.contains(#""action":"create","outcome":"ok""#) }
        #expect(createdOK.count == EndToEndSyncTests.desired, "every create is in the audit log exactly once")
    }

    @Test("30% faults and a rate limit: repeated syncs converge without duplicates")
    func faultsConverge() throws {
        let world = try World(sandbox: ["--fault-rate", "0.3", "--rate-limit", "25"])
        defer { world.stop() }
        var statuses: [Int32] = []
        for _ in 0..<8 {
            let result = try world.cli(["sync"])
            statuses.append(result.status)
            if result.status == 0 && result.stdout.contains("in sync, nothing to do") { break }
        }
        #expect(statuses.last == 0, "statuses: \(statuses)")
        try world.setSandbox(#"{"fault_rate": 0, "rate_limit": 0}"#)
        #expect(try world.cli(["plan", "--check"]).status == 0)
        #expect(try world.liveTeam().count == EndToEndSyncTests.desired)
        let users = try world.sandboxUsers().filter { ["admin", "staff"].contains($0["role"] as? String ?? "") }
        #expect(Set(users.compactMap { $0["external_user_id"] as? String }).count == users.count)
        #expect(users.count == EndToEndSyncTests.desired)
    }

    @Test("one run at a time: a second sync while one holds the lease exits 1 at once")
    func lease() throws {
        let world = try World(sandbox: ["--latency", "300ms"])
        defer { world.stop() }
        let first = try world.launch(["sync"])
        Thread.sleep(forTimeInterval: 1.0)
        let clock = ContinuousClock()
        let start = clock.now
        let second = try world.cli(["sync"])
        #expect(second.status == 1)
        #expect(second.stderr.contains("another run holds the journal"))
        #expect(clock.now - start < .seconds(5))
        #expect(Spawn.wait(first) == 0)
    }
}
