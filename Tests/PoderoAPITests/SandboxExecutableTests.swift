import Foundation
import Logging
import PoderoAPI
import TeamSyncCore
import Testing

@Suite("The podero-sandbox executable")
struct SandboxExecutableTests {
    private func client(port: Int, maxConcurrency: Int = 2) -> PoderoClient {
        PoderoClient(
            settings: PoderoSettings(
                baseURL: "http://127.0.0.1:\(port)", orgID: TestSandbox.orgID, clientID: "cli", clientSecret: Secret("cli-secret"),
                timeout: .seconds(5), maxConcurrency: maxConcurrency),
            logger: Logger(label: "test"))
    }

    private func arguments(_ extra: [String]) -> [String] {
        ["--org-id", TestSandbox.orgID, "--client-id", "cli", "--client-secret", "cli-secret"] + extra
    }

    @Test("--state keeps users, soft deletes included, across a kill -9: each change is one line appended before the reply; --seed adds users; the earlier array form still loads")
    func stateSurvivesRestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sandbox-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let state = directory.appendingPathComponent("state.json").path
        let seed = directory.appendingPathComponent("seed.json")
        try Data(#"[{"role": "user", "email": "end.user@example.net"}, {"role": "admin", "email": "boss@example.com", "first_name": "Hand", "last_name": "Made"}]"#.utf8).write(to: seed)
        func lines() throws -> Int { try String(contentsOfFile: state, encoding: .utf8).split(separator: "\n").count }

        let first = try SandboxProcess(arguments(["--state", state, "--seed", seed.path, "--create-status", "201"]))
        let api = client(port: first.port)
        let created = try await api.create(TestSandbox.newAccount(1))
        let gone = try await api.create(TestSandbox.newAccount(2))
        try await api.delete(id: gone.id, soft: true)
        let purged = try await api.create(TestSandbox.newAccount(3))
        try await api.delete(id: purged.id, soft: false)
        _ = try await api.update(id: created.id, AccountChanges(role: .admin))
        try await api.shutdown()
        // 2 seeded, 3 creates, a soft delete, a hard delete, an update: a line each, nothing rewritten.
        #expect(try lines() == 8)
        first.kill()

        let second = try SandboxProcess(arguments(["--state", state]))
        #expect(try lines() == 4, "compacted to a line per user on start")
        let again = client(port: second.port)
        let accounts = try await again.listAccounts(includeDeleted: true)
        try await again.shutdown()
        second.stop()
        #expect(Set(accounts.map(\.email)) == ["end.user@example.net", "boss@example.com", "person1@example.com", "person2@example.com"])
        #expect(accounts.first { $0.id == created.id }?.isSoftDeleted == false)
        #expect(accounts.first { $0.id == created.id }?.role == .admin)
        #expect(accounts.first { $0.id == gone.id }?.isSoftDeleted == true)

        // A state file written as one JSON array (the earlier form) loads as before.
        try Data(#"[{"id": "8d7f0c3e-4f7e-4d43-9a53-0d3f9c2b8a11", "role": "staff", "email": "old.form@example.com", "deleted": true}]"#.utf8)
            .write(to: URL(fileURLWithPath: state))
        let third = try SandboxProcess(arguments(["--state", state]))
        let old = client(port: third.port)
        let loaded = try await old.listAccounts(includeDeleted: true)
        try await old.shutdown()
        third.stop()
        #expect(loaded.map(\.email) == ["old.form@example.com"] && loaded.first?.isSoftDeleted == true)
    }

    @Test("--duplicate-status 422 and --soft-deleted-blocks-reuse from the command line")
    func switches() async throws {
        let sandbox = try SandboxProcess(arguments(["--duplicate-status", "422", "--soft-deleted-blocks-reuse"]))
        defer { sandbox.stop() }
        let api = client(port: sandbox.port)
        let first = try await api.create(TestSandbox.newAccount(1))
        try await api.delete(id: first.id, soft: true)
        do {
            _ = try await api.create(TestSandbox.newAccount(1))
            Issue.record("expected the soft-deleted account to block the e-mail")
        } catch let error as PoderoError {
            #expect(error.kind == .duplicate(.email))
            #expect(error.status == 422)
        }
        try await api.shutdown()
    }

    @Test("bad switches are refused with a usage error", arguments: [
        ["--create-status", "204"], ["--duplicate-status", "400"], ["--fault-rate", "2"], ["--latency", "fast"],
    ])
    func badSwitches(_ extra: [String]) throws {
        let (status, errors) = try SandboxProcess.runToExit(arguments(extra))
        #expect(status == 64)
        #expect(errors.contains(extra[0]))
    }

    @Test("an org_id that is not a UUID is refused")
    func badOrg() throws {
        let (status, errors) = try SandboxProcess.runToExit(["--org-id", "acme", "--client-id", "x", "--client-secret", "y"])
        #expect(status == 64)
        #expect(errors.contains("--org-id"))
    }
}
