import Foundation
import PoderoAPI
import PoderoSandbox
import Testing
import TeamSyncCore

@Suite("Podero client: every call against the emulator")
struct ClientCallTests {
    @Test("create answers 200 or 201; both are accepted", arguments: [200, 201])
    func create(status: Int) async throws {
        try await TestSandbox.run(configure: { $0.createStatus = status }) { sandbox in
            let created = try await sandbox.client.create(TestSandbox.newAccount(1, role: .admin))
            #expect(created.role == .admin)
            #expect(created.email == "person1@example.com")
            #expect(created.externalID == ExternalID("ext-1"))
            #expect(created.firstName == "Given1")
            #expect(created.lastName == nil)
            #expect(UUID(uuidString: created.id) != nil)
            #expect(sandbox.requests("POST").map(\.status) == [status])
        }
    }

    @Test("list, look up by external id, partial update, soft and hard delete")
    func lifecycle() async throws {
        try await TestSandbox.run { sandbox in
            let client = sandbox.client
            let first = try await client.create(TestSandbox.newAccount(1))
            let second = try await client.create(TestSandbox.newAccount(2))
            try sandbox.store.seed([SandboxUser(id: UUID().uuidString.lowercased(), organizationID: "", role: "user", email: "customer@example.net")])

            let all = try await client.listAccounts(includeDeleted: false)
            #expect(all.count == 3)
            #expect(all.contains { $0.role == .user })

            #expect(try await client.account(externalID: ExternalID("ext-2"), includeDeleted: false)?.id == second.id)
            #expect(try await client.account(externalID: ExternalID("nobody"), includeDeleted: false) == nil)
            #expect(try await client.account(externalID: ExternalID("a/b c?d"), includeDeleted: false) == nil)

            let promoted = try await client.update(id: first.id, AccountChanges(role: .admin))
            #expect(promoted.role == .admin)
            #expect(promoted.firstName == "Given1")  // untouched: only the role was sent
            let renamed = try await client.update(id: first.id, AccountChanges(email: "new1@example.com", lastName: .some("Family")))
            #expect(renamed.email == "new1@example.com")
            #expect(renamed.lastName == "Family")
            #expect(renamed.role == .admin)

            try await client.delete(id: first.id, soft: true)
            let live = try await client.listAccounts(includeDeleted: false)
            #expect(!live.contains { $0.id == first.id })
            let everything = try await client.listAccounts(includeDeleted: true)
            #expect(everything.first { $0.id == first.id }?.isSoftDeleted == true)
            #expect(everything.first { $0.id == second.id }?.isSoftDeleted == false)
            #expect(try await client.account(externalID: ExternalID("ext-1"), includeDeleted: false) == nil)
            #expect(try await client.account(externalID: ExternalID("ext-1"), includeDeleted: true)?.isSoftDeleted == true)

            try await client.delete(id: first.id, soft: false)  // purge the soft-deleted account
            #expect(try await client.listAccounts(includeDeleted: true).count == 2)
            try await client.delete(id: second.id, soft: false)
            #expect(try await client.listAccounts(includeDeleted: true).map(\.role) == [.user])
        }
    }

    @Test("updating or deleting an unknown id is a not-found error, not retried")
    func notFound() async throws {
        try await TestSandbox.run { sandbox in
            let unknown = UUID().uuidString.lowercased()
            await #expect(throws: PoderoError.self) { try await sandbox.client.update(id: unknown, AccountChanges(role: .admin)) }
            do {
                try await sandbox.client.delete(id: unknown, soft: true)
                Issue.record("expected not found")
            } catch let error as PoderoError {
                #expect(error.kind == .notFound)
            }
            #expect(sandbox.requests("DELETE").count == 1)
        }
    }

    @Test("an end-user's fields and unknown fields in answers do not disturb decoding")
    func tolerantDecoding() async throws {
        try await TestSandbox.run { sandbox in
            var guest = SandboxUser(id: UUID().uuidString.lowercased(), organizationID: "", role: "guest", email: "g@example.org")
            guest.town = "Wien"
            guest.numHeatPumps = 3
            try sandbox.store.seed([guest])
            let accounts = try await sandbox.client.listAccounts(includeDeleted: false)
            #expect(accounts.map(\.role) == [.guest])
            #expect(accounts.first?.role.teamRole == nil)
        }
    }
}
