import Foundation
import Testing
import TeamSyncCore
@testable import LDAPDirectory

/// Against a real Active Directory domain controller (Samba), Scripts/samba-fixture.sh.
@Suite("Active Directory (Samba DC)")
struct ActiveDirectoryTests {
    static func read(_ settings: LDAPSettings) async throws -> DirectorySnapshot { try await SlapdFixture.read(settings) }

    static func person(_ snapshot: DirectorySnapshot, _ cn: String) throws -> DirectoryPerson {
        try #require(snapshot.people.first { $0.dn == ADFixture.person(cn) }, "\(cn) was not read")
    }

    /// The objectGUID as AD tools print it, decoded here independently of ExternalIDDecoder:
    /// the first three fields are little-endian.
    static func guidFromLDAPSearch(_ dn: String) throws -> String {
        let output = try ADFixture.tool("ldapsearch", ["-LLL", "-b", dn, "-s", "base", "objectGUID"])
        let line = try #require(output.split(separator: "\n").first { $0.hasPrefix("objectGUID:: ") })
        let bytes = [UInt8](try #require(Data(base64Encoded: String(line.dropFirst(13)))))
        try #require(bytes.count == 16)
        let order = [3, 2, 1, 0, -1, 5, 4, -1, 7, 6, -1, 8, 9, -1, 10, 11, 12, 13, 14, 15]
        return order.map { $0 < 0 ? "-" : String(format: "%02x", bytes[$0]) }.joined()
    }

    @Test("every person is read, over more pages than AD's MaxPageSize allows in one")
    func paging() async throws {
        for pageSize in [1000, 250, 5000] {
            let snapshot = try await Self.read(ADFixture.settings(pageSize: pageSize))
            #expect(snapshot.people.count == (try ADFixture.peopleCount()), "page size \(pageSize)")
            #expect(snapshot.skipped.isEmpty)
        }
    }

    @Test("external ids are objectGUIDs as canonical lowercase UUID text")
    func objectGUID() async throws {
        let snapshot = try await Self.read(ADFixture.settings())
        let alice = try Self.person(snapshot, "Alice Admin")
        #expect(alice.externalID.rawValue == (try Self.guidFromLDAPSearch("CN=Alice Admin,OU=Staff,\(ADFixture.base)")))
        #expect(alice.externalID.rawValue.wholeMatch(of: /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/) != nil)
        #expect(Set(snapshot.people.map(\.externalID)).count == snapshot.people.count)
    }

    @Test("the objectGUID id survives a rename and a move to another OU, and so does group membership")
    func renameAndMove() async throws {
        let before = try Self.person(try await Self.read(ADFixture.settings()), "Dan Lead")
        let staff = "OU=Staff,\(ADFixture.base)"
        try ADFixture.tool("ldapadd", [], input: "dn: OU=Moved,\(staff)\nobjectClass: organizationalUnit\n")
        defer {
            _ = try? ADFixture.tool("ldapmodrdn", ["-r", "-s", staff, "CN=Dan Renamed,OU=Moved,\(staff)", "CN=Dan Lead"])
            _ = try? ADFixture.tool("ldapdelete", ["OU=Moved,\(staff)"])
        }
        try ADFixture.tool("ldapmodrdn", ["-r", "-s", "OU=Moved,\(staff)", "CN=Dan Lead,\(staff)", "CN=Dan Renamed"])
        let snapshot = try await Self.read(ADFixture.settings())
        let after = try #require(snapshot.people.first { $0.dn == DistinguishedName("CN=Dan Renamed,OU=Moved,\(staff)") })
        #expect(after.externalID == before.externalID)
        #expect(after.memberships.first?.group == ADFixture.group("Podero Admins"))
    }

    @Test("a disabled account (userAccountControl bit 2) still in a mapped group is read as disabled")
    func disabled() async throws {
        let snapshot = try await Self.read(ADFixture.settings())
        let carol = try Self.person(snapshot, "Carol Disabled")
        #expect(carol.isDisabled)
        #expect(carol.memberships.map(\.group) == [ADFixture.group("Podero Staff")])
        #expect(snapshot.people.filter(\.isDisabled).count == 1)
        // Without the filter, nobody is disabled: the bit is what decides.
        var settings = try ADFixture.settings()
        settings.users.disabledFilter = nil
        #expect(try await Self.read(settings).people.filter(\.isDisabled).isEmpty)
    }

    @Test("nested groups one and two levels deep give the right role groups and paths")
    func nesting() async throws {
        let snapshot = try await Self.read(ADFixture.settings())
        let bob = try Self.person(snapshot, "Bob Oncall")
        #expect(bob.memberships == [GroupMembership(group: ADFixture.group("Podero Staff"), via: [ADFixture.group("Team Ops"), ADFixture.group("Ops Oncall")])])
        #expect(bob.memberships.first?.explanation == "member of cn=podero staff via cn=team ops, cn=ops oncall")
        let dan = try Self.person(snapshot, "Dan Lead")
        #expect(dan.memberships == [GroupMembership(group: ADFixture.group("Podero Admins"), via: [ADFixture.group("Admin Leads")])])
        let alice = try Self.person(snapshot, "Alice Admin")
        #expect(alice.memberships == [GroupMembership(group: ADFixture.group("Podero Admins"))])
        let bulk = try Self.person(snapshot, "Person 00001")
        #expect(bulk.memberships == [GroupMembership(group: ADFixture.group("Podero Staff"), via: [ADFixture.group("All Staff")])])
    }

    @Test("the server-side in-chain rule finds the same role groups as our expansion")
    func inChain() async throws {
        let expanded = try await Self.read(ADFixture.settings())
        let chained = try await Self.read(ADFixture.settings { $0.groups.membership = .inChain })
        #expect(chained.people.count == expanded.people.count)
        let groups = { (snapshot: DirectorySnapshot) in
            Dictionary(uniqueKeysWithValues: snapshot.people.map { ($0.externalID, $0.memberships.map(\.group)) })
        }
        #expect(groups(chained) == groups(expanded))
        let bob = try Self.person(chained, "Bob Oncall")
        #expect(bob.memberships.first?.explanation.contains("resolved by the directory") == true)
    }

    @Test("in-chain mode still refuses a role group that does not exist")
    func inChainMissingGroup() async throws {
        let settings = try ADFixture.settings {
            $0.groups.membership = .inChain
            $0.roleGroups.append(ADFixture.group("No Such Group"))
        }
        #expect(try await SlapdFixture.failure(settings).kind == .missingRoleGroup)
    }

    @Test("LDAPS and StartTLS with the domain's CA; a wrong CA fails clearly")
    func tls() async throws {
        let ca = try SlapdFixture.variable("TEAMSYNC_AD_CA")
        let people = try ADFixture.peopleCount()
        let ldaps = try ADFixture.settings(url: SlapdFixture.variable("TEAMSYNC_AD_LDAPS_URL")) { $0.tlsCAFile = ca }
        #expect(try await Self.read(ldaps).people.count == people)
        let startTLS = try ADFixture.settings { $0.startTLS = true; $0.tlsCAFile = ca }
        #expect(try await Self.read(startTLS).people.count == people)
        let wrong = try ADFixture.settings(url: SlapdFixture.variable("TEAMSYNC_AD_LDAPS_URL")) {
            $0.tlsCAFile = try? SlapdFixture.variable("TEAMSYNC_AD_WRONG_CA")
        }
        let error = try await SlapdFixture.failure(wrong)
        #expect(error.kind == .tls)
        #expect(error.description.contains("tls_ca_file"))
    }

    @Test("a referral from the domain root is never followed: without domain scope the read is incomplete")
    func referral() async throws {
        let fromRoot = { (domainScope: Bool) in
            try ADFixture.settings {
                $0.users.baseDN = ADFixture.base
                $0.domainScope = domainScope
            }
        }
        let error = try await SlapdFixture.failure(try fromRoot(false))
        #expect(error.kind == .incomplete)
        #expect(error.description.contains("referral"))
        // With the domain-scope control AD makes no referral, and the read is complete.
        let snapshot = try await Self.read(try fromRoot(true))
        #expect(snapshot.people.count == (try ADFixture.peopleCount()))
    }

    @Test("bind failures in plain words, from AD's sub-codes", arguments: [
        ("CN=svc-wrong-password", "not-the-password", "wrong password"),
        ("CN=svc-disabled", "Sync-Secret-1!", "is disabled"),
        ("CN=svc-locked", "Sync-Secret-1!", "is locked"),
        ("CN=svc-must-change", "Sync-Secret-1!", "must change its password"),
        ("CN=svc-nobody", "Sync-Secret-1!", "wrong"),
    ])
    func bindFailures(account: String, password: String, words: String) async throws {
        let settings = try ADFixture.settings {
            $0.bindDN = "\(account),OU=Service Accounts,\(ADFixture.base)"
            $0.bindPassword = Secret(password)
        }
        let error = try await SlapdFixture.failure(settings)
        #expect(error.kind == .bind)
        #expect(error.description.contains(words), "\(error)")
        #expect(!error.description.contains(password))
        #expect(!error.description.contains("svc-"))
    }

    @Test("ranged reads against the DC: a group read range by range equals the group read whole")
    func liveRanges() throws {
        let settings = try ADFixture.settings()
        let connection = try LDAPConnection(settings: settings)
        defer { connection.close() }
        try connection.bind()
        let dn = "CN=All Staff,OU=Groups,\(ADFixture.base)"
        let whole = try connection.readEntry(dn, attributes: ["member"], purpose: "test", timeout: .seconds(10))
        let members = try #require(whole.first { $0.description.lowercased() == "member" }?.values)
        #expect(members.count == (try ADFixture.peopleCount()) - 5)
        // Ask for the first 500 as AD would send them, then let the collector ask for the rest.
        let first = try connection.readEntry(dn, attributes: ["member;range=0-499"], purpose: "test", timeout: .seconds(10))
        #expect(first.map(\.description) == ["member;range=0-499"])
        var asked: [String] = []
        let collected = try RangedValueCollector(attribute: "member", purpose: "test").collect(first: first) { description in
            asked.append(description)
            return try connection.readEntry(dn, attributes: [description], purpose: "test", timeout: .seconds(10))
        }
        #expect(asked == ["member;range=500-*"])
        #expect(collected == members)
    }
}
