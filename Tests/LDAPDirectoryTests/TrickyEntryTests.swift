import Testing
import TeamSyncCore
@testable import LDAPDirectory

@Suite("Tricky directory entries")
struct TrickyEntryTests {
    @Test("non-ASCII names, upper-case e-mail, escaped DNs, disabled people")
    func tricky() async throws {
        let settings = try SlapdFixture.settings { $0.users.disabledFilter = "(employeeType=disabled)" }
        let snapshot = try await SlapdFixture.read(settings)
        let byUID = Dictionary(uniqueKeysWithValues: snapshot.people.map { ($0.dn.leaf, $0) })

        let zoe = try #require(byUID["uid=zoe"])
        #expect(zoe.firstName == "Zoë")
        #expect(zoe.lastName == "Müller-Lüdenscheidt")
        #expect(zoe.email.value == "Zoe.Mueller@Example.COM")
        #expect(zoe.memberships.map(\.group) == [SlapdFixture.group("podero-staff")])

        let jose = try #require(byUID["uid=josé"])
        #expect(jose.firstName == "José")
        #expect(jose.memberships.map(\.group) == [SlapdFixture.group("podero-staff")])

        let jan = try #require(byUID["uid=van der berg\\, jan"])
        #expect(jan.memberships.map(\.group) == [SlapdFixture.group("podero-admins")])

        let leaver = try #require(byUID["uid=leaver"])
        #expect(leaver.isDisabled)
        #expect(snapshot.people.filter(\.isDisabled).count == 1)

        let noGiven = try #require(byUID["uid=noemp"])
        #expect(noGiven.firstName == nil)
    }

    @Test("invalid entries become diagnostics naming the entry; the rest is read")
    func invalid() async throws {
        let snapshot = try await SlapdFixture.read(SlapdFixture.settings())
        let codes = Dictionary(uniqueKeysWithValues: snapshot.skipped.map { ($0.dn.leaf, $0.reason) })
        #expect(codes == [
            "uid=nomail": .missingEmail, "uid=badmail": .invalidEmail,
            "uid=dup1": .duplicateEmail, "uid=dup2": .duplicateEmail,
        ])
        #expect(snapshot.skipped.allSatisfy { $0.externalID != nil })
        let entries = Set(snapshot.diagnostics.map(\.entry))
        #expect(entries.contains(SlapdFixture.person("dup2").normalized))
        #expect(snapshot.people.count == PagedReadTests.valid)
    }

    @Test("employeeNumber as external id: missing and shared ids are skipped")
    func employeeNumber() async throws {
        let settings = try SlapdFixture.settings { $0.users.externalIDAttribute = "employeeNumber" }
        let snapshot = try await SlapdFixture.read(settings)
        let codes = Dictionary(uniqueKeysWithValues: snapshot.skipped.map { ($0.dn.leaf, $0.reason) })
        #expect(codes["uid=noemp"] == .missingExternalID)
        #expect(codes["uid=empdup1"] == .duplicateExternalID)
        #expect(codes["uid=empdup2"] == .duplicateExternalID)
        #expect(snapshot.people.count == PagedReadTests.matched - 7)
        #expect(snapshot.people.contains { $0.externalID == ExternalID("E00001") })
    }
}
