import Foundation
import Testing

/// podero-team-sync as a subprocess reading the Samba AD domain controller over LDAPS (the
/// fixture Scripts/test.sh starts) into a podero-sandbox process.
@Suite("End to end: sync from Active Directory (Samba DC) into podero-sandbox", .serialized)
struct EndToEndActiveDirectoryTests {
    static let erin = "CN=Erin Leaver,OU=Staff,DC=corp,DC=example,DC=com"

    static func setErinAccountControl(_ world: World, _ value: Int) throws {
        try world.ldapModify("""
            dn: \(erin)
            changetype: modify
            replace: userAccountControl
            userAccountControl: \(value)
            """)
    }

    @Test("sync gives the expected accounts; a user disabled in AD is soft-deleted at the next run")
    func syncThenDisable() throws {
        let world = try World(.activeDirectory, sync: "departure_grace: 0s")
        defer {
            try? Self.setErinAccountControl(world, 512)
            world.stop()
        }
        let bulk = try #require(Int(ProcessInfo.processInfo.environment["TEAMSYNC_AD_PEOPLE"] ?? ""))
        let sync = try world.cli(["sync"])
        #expect(sync.status == 0, "\(sync.stderr)")
        var team = try world.liveTeam()
        // Alice and Dan (admins: direct, and through Admin Leads), Bob (staff, two levels of
        // nesting), Erin and every bulk person (staff); Carol is disabled and is not created.
        #expect(team.count == bulk + 4)
        #expect(team["alice@corp.example.com"]?["role"] as? String == "admin")
        #expect(team["dan@corp.example.com"]?["role"] as? String == "admin")
        #expect(team["bob@corp.example.com"]?["role"] as? String == "staff")
        #expect(team["person00001@corp.example.com"]?["role"] as? String == "staff")
        #expect(team["carol@corp.example.com"] == nil)
        let aliceID = team["alice@corp.example.com"]?["external_user_id"] as? String ?? ""
        #expect(aliceID.wholeMatch(of: /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/) != nil, "\(aliceID)")
        #expect(try world.cli(["plan", "--check"]).status == 0)

        try Self.setErinAccountControl(world, 514)  // ACCOUNTDISABLE, still in Podero Staff
        let second = try world.cli(["sync"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("1 soft_delete"), "\(second.stdout)")
        team = try world.liveTeam()
        #expect(team["erin@corp.example.com"] == nil)
        #expect(team.count == bulk + 3)
        let erin = try world.sandboxUsers().first { ($0["email"] as? String) == "erin@corp.example.com" }
        #expect(erin?["deleted"] as? Bool == true)
        #expect(try world.cli(["audit", "verify"]).status == 0)
    }

    static func setErinExpiry(_ world: World, _ value: String) throws {
        try world.ldapModify("""
            dn: \(erin)
            changetype: modify
            replace: accountExpires
            accountExpires: \(value)
            """)
    }

    @Test("accountExpires (FILETIME): an end date ahead is shown as expiring; once past, the person departs through the guarded path")
    func accountExpires() throws {
        let world = try World(.activeDirectory)
        defer {
            try? Self.setErinExpiry(world, "9223372036854775807")
            world.stop()
        }
        world.usersExtra = ["expires_attribute: accountExpires"]
        try world.writeConfig(sync: "departure_grace: 0s")
        func filetime(_ date: Date) -> String { String((Int64(date.timeIntervalSince1970) + 11_644_473_600) * 10_000_000) }
        try Self.setErinExpiry(world, filetime(Date().addingTimeInterval(5 * 86_400)))
        let sync = try world.cli(["sync"])
        #expect(sync.status == 0, "\(sync.stderr)")
        #expect(try world.liveTeam()["erin@corp.example.com"] != nil)
        let review = try JSONSerialization.jsonObject(with: Data(try world.cli(["review", "--json"]).stdout.utf8)) as? [String: Any]
        let erin = (review?["accounts"] as? [[String: Any]])?.first { $0["email"] as? String == "erin@corp.example.com" }
        #expect(erin?["standing"] as? String == "expiring", "\(erin ?? [:])")
        let status = try JSONSerialization.jsonObject(with: Data(try world.cli(["status", "--json"]).stdout.utf8)) as? [String: Any]
        #expect((status?["upcoming_expiries"] as? [[String: Any]])?.map { $0["email"] as? String } == ["erin@corp.example.com"])

        try Self.setErinExpiry(world, filetime(Date().addingTimeInterval(-86_400)))
        let second = try world.cli(["sync"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try world.liveTeam()["erin@corp.example.com"] == nil)
        let audit = try world.cli(["audit", "export"]).stdout
        #expect(audit.split(separator: "\n").contains { $0.contains("\"soft_delete\"") && $0.contains("access expired on") && $0.contains("erin@") })
    }
}

