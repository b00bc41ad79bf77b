import Foundation
import Testing
import TeamSyncCore
@testable import LDAPDirectory

@Suite("Reading people and groups from slapd")
struct PagedReadTests {
    /// 50 generated people plus 11 tricky entries; nomail, badmail, dup1 and dup2 are invalid.
    static let matched = 61
    static let valid = 57

    @Test("paging with 7 entries a page reads every person", arguments: [7, 500, 1])
    func paging(pageSize: Int) async throws {
        let snapshot = try await SlapdFixture.read(SlapdFixture.settings(pageSize: pageSize))
        #expect(snapshot.matchedCount == Self.matched)
        #expect(snapshot.people.count == Self.valid)
        #expect(Set(snapshot.people.map(\.externalID)).count == Self.valid)
        let first = try #require(snapshot.people.first { $0.dn == SlapdFixture.person("user00001") })
        #expect(first.email.value == "user00001@example.com")
        #expect(first.firstName == "Given1")
        #expect(first.lastName == "Family1")
        #expect(first.externalID.rawValue.count == 36)
    }

    @Test("a server size limit below the directory is an error, not a short list")
    func sizeLimit() async throws {
        let settings = try SlapdFixture.settings { $0.bindDN = SlapdFixture.limitedDN }
        let error = try await SlapdFixture.failure(settings)
        #expect(error.kind == .incomplete)
        #expect(error.code == 4)
        #expect(error.description.contains("size limit"))
    }

    @Test("a users base DN that does not exist is a failed read")
    func missingBase() async throws {
        let settings = try SlapdFixture.settings { $0.users.baseDN = "ou=nobody,dc=example,dc=com" }
        let error = try await SlapdFixture.failure(settings)
        #expect(error.kind == .search)
        #expect(error.code == 32)
        #expect(!error.description.contains("ou=nobody"))
    }

    @Test("a configured role group that does not exist stops the read")
    func missingRoleGroup() async throws {
        let settings = try SlapdFixture.settings(roleGroups: ["podero-admins", "renamed-staff"])
        let error = try await SlapdFixture.failure(settings)
        #expect(error.kind == .missingRoleGroup)
        #expect(error.description.contains("roles[1]"))
    }

    @Test("an invalid filter is reported as such")
    func invalidFilter() async throws {
        let settings = try SlapdFixture.settings { $0.users.filter = "(objectClass=inetOrgPerson" }
        let error = try await SlapdFixture.failure(settings)
        #expect(error.kind == .settings)
    }

    @Test("ldapi:// works")
    func ldapi() async throws {
        let snapshot = try await SlapdFixture.read(SlapdFixture.settings(url: SlapdFixture.variable("TEAMSYNC_LDAPI_URL")))
        #expect(snapshot.people.count == Self.valid)
    }
}
