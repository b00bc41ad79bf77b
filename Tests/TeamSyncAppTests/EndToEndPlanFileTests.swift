import Foundation
import Testing

@Suite("End to end: plan --out, review, sync --plan", .serialized)
struct EndToEndPlanFileTests {
    @Test("sync --plan applies exactly the listed departures still due (someone back is not touched, a later departure waits); an edited file, another configuration and an old file are refused (exit 64)")
    func planFile() throws {
        let limits = "max_deletions: 2\nmax_deletion_percent: 100"
        let world = try World(sync: limits)
        defer { world.stop() }
        #expect(try world.cli(["sync"]).status == 0)
        let desired = EndToEndSyncTests.desired
        // Four leave (dept-00's three people, and user00001): more than the limit of 2.
        try world.fourLeave()
        let file = world.directory.appendingPathComponent("change-4711.json").path
        let planned = try world.cli(["plan", "--out", file])
        #expect(planned.status == 0 && planned.stderr.contains("plan written to \(file): 4 people depart (8 actions)"), "\(planned.stdout)\(planned.stderr)")
        #expect(planned.stdout.contains("would REFUSE"), "the plan still says a plain sync would refuse")
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
        #expect((object["departures"] as? [[String: Any]])?.count == 8 && object["plan"] is [String: Any] && object["digest"] is String)

        // Before the change is applied, dept-00 comes back and user00004 leaves.
        try world.ldapModify("""
            dn: cn=podero-staff,ou=groups,dc=example,dc=com
            changetype: modify
            add: member
            member: cn=dept-00,ou=groups,dc=example,dc=com

            dn: uid=user00004,ou=people,dc=example,dc=com
            changetype: delete
            """)
        // An edited file is refused.
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let edited = world.directory.appendingPathComponent("edited.json").path
        try text.replacingOccurrences(of: "user00001", with: "user00009").write(toFile: edited, atomically: true, encoding: .utf8)
        let tampered = try world.cli(["sync", "--plan", edited])
        #expect(tampered.status == 64 && tampered.stderr.contains("was changed after plan --out wrote it"), "\(tampered.stderr)")
        #expect(try world.liveTeam().count == desired)
        #expect(try world.cli(["sync", "--plan", file, "--max-deletions", "3"]).status == 64)

        let applied = try world.cli(["sync", "--plan", file])
        #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
        #expect(applied.stderr.contains("departures not in the plan file are left for a later sync"), "\(applied.stderr)")
        let team = try world.liveTeam()
        #expect(team.count == desired - 1, "only user00001 went: \(team.keys.sorted())")
        #expect(team["user00001@example.com"] == nil && team["user00004@example.com"] != nil)
        let audit = try world.cli(["audit", "export"]).stdout
        #expect(audit.contains("listed in the plan file made at"))

        // Another configuration (a comment is a change), and a file older than sync.plan_max_age.
        try world.writeConfig(sync: limits + "\nplan_max_age: 1s")
        let other = try world.cli(["sync", "--plan", file])
        #expect(other.status == 64 && other.stderr.contains("was made from another configuration"), "\(other.stderr)")
        let fresh = world.directory.appendingPathComponent("fresh.json").path
        #expect(try world.cli(["plan", "--out", fresh]).status == 0)
        Thread.sleep(forTimeInterval: 2.2)
        let old = try world.cli(["sync", "--plan", fresh])
        #expect(old.status == 64 && old.stderr.contains("more than sync.plan_max_age (1s) ago"), "\(old.stderr)")
        #expect(try world.liveTeam()["user00004@example.com"] != nil)
    }
}
