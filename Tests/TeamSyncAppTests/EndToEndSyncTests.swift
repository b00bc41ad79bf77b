import Foundation
import Testing

/// podero-team-sync as a subprocess against a real slapd and the podero-sandbox process.
@Suite("End to end: sync against slapd and podero-sandbox", .serialized)
struct EndToEndSyncTests {
    /// 30 generated people + tricky entries: 4 admins and 7 staff are desired, 4 entries are skipped.
    static let desired = 11

    @Test("plan shows the work, sync does it, then plan --check finds nothing to do")
    func syncThenNothingToDo() throws {
        let world = try World()
        defer { world.stop() }
        let plan = try world.cli(["plan"])
        #expect(plan.status == 0)
        #expect(plan.stdout.contains("plan: \(Self.desired) create, 4 skip"))
        #expect(!FileManager.default.fileExists(atPath: world.journalPath))  // plan writes nothing
        #expect(try world.cli(["plan", "--check"]).status == 2)
        let json = try world.cli(["plan", "--json"])
        let document = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let actions = document?["actions"] as? [[String: Any]] ?? []
        #expect(actions.count == Self.desired + 4)
        #expect(actions.allSatisfy { $0["kind"] != nil && $0["external_user_id"] != nil && $0["email"] != nil && $0["reason"] != nil && $0.keys.contains("role") })

        let sync = try world.cli(["sync"])
        #expect(sync.status == 0, "\(sync.stderr)")
        #expect(sync.stdout.contains("did \(Self.desired) create; 4 skipped"))
        let team = try world.liveTeam()
        #expect(team.count == Self.desired)
        #expect(team["user00003@example.com"]?["role"] as? String == "admin")
        #expect(team["zoe.mueller@example.com"]?["first_name"] as? String == "Zoë")

        let again = try world.cli(["plan", "--check"])
        #expect(again.status == 0, "\(again.stdout)")
        #expect(try world.cli(["sync"]).stdout.contains("in sync, nothing to do"))
        #expect(try world.liveTeam().count == Self.desired)
        #expect(try world.cli(["audit", "verify"]).status == 0)

        // Someone edits a record behind our back (dropping the append-only trigger first).
        let tamper = try World.run("/usr/bin/env", ["python3", "-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.execute("DROP TRIGGER audit_log_no_update")
            db.execute("UPDATE audit_log SET role_after = 'admin' WHERE seq = 5")
            db.commit()
            """, world.journalPath])
        #expect(tamper.status == 0, "\(tamper.stderr)")
        let verify = try world.cli(["audit", "verify"])
        #expect(verify.status == 1)
        #expect(verify.stderr.contains("audit log broken at seq 5"))
    }

    @Test("a role change, an e-mail change and a departure, with the audit trail")
    func changes() throws {
        let world = try World()
        defer { world.stop() }
        #expect(try world.cli(["sync"]).status == 0)
        try world.ldapModify("""
            dn: cn=podero-admins,ou=groups,dc=example,dc=com
            changetype: modify
            add: member
            member: uid=user00010,ou=people,dc=example,dc=com

            dn: uid=user00020,ou=people,dc=example,dc=com
            changetype: modify
            replace: mail
            mail: renamed20@example.com

            dn: cn=cycle-b,ou=groups,dc=example,dc=com
            changetype: modify
            delete: member
            member: uid=user00005,ou=people,dc=example,dc=com
            """)
        let sync = try world.cli(["sync"])
        #expect(sync.status == 0, "\(sync.stderr)")
        #expect(sync.stdout.contains("1 update_role") && sync.stdout.contains("1 update_profile") && sync.stdout.contains("1 soft_delete"))
        let team = try world.liveTeam()
        #expect(team["user00010@example.com"]?["role"] as? String == "admin")
        #expect(team["renamed20@example.com"] != nil && team["user00020@example.com"] == nil)
        #expect(team["user00005@example.com"] == nil)
        #expect(try world.sandboxUsers().count == Self.desired)  // soft-deleted, not gone
        let audit = try world.cli(["audit", "export", "--format", "jsonl"]).stdout.split(separator: "\n")
        #expect(audit.contains { $0.contains(#""action":"soft_delete","outcome":"ok""#) && $0.contains("user00005@example.com") })
        let status = try world.cli(["status", "--json"])
        let managed = (try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["managed"] as? [String: Int]
        #expect(managed == ["admin": 5, "staff": 5])
    }

    @Test("safety: a mass departure is refused (exit 4, nothing deleted); --max-deletions lets it through")
    func massDeparture() throws {
        let world = try World()
        defer { world.stop() }
        #expect(try world.cli(["sync"]).status == 0)
        try world.ldapModify("""
            dn: cn=podero-staff,ou=groups,dc=example,dc=com
            changetype: modify
            replace: member
            member: uid=zoe,ou=people,dc=example,dc=com
            """)
        let dry = try world.cli(["sync", "--dry-run"])
        #expect(dry.status == 4)
        let refused = try world.cli(["sync"])
        #expect(refused.status == 4)
        #expect(refused.stdout.contains("SAFETY LIMIT"))
        #expect(try world.liveTeam().count == Self.desired)
        let audit = try world.cli(["audit", "export"]).stdout
        #expect(audit.contains(#""action":"safety_refused","outcome":"refused""#))
        #expect(audit.contains(#""action":"run_started","outcome":"planned""#))  // the dry run
        #expect(!audit.contains(#""action":"soft_delete","outcome":"ok""#))
        #expect(try world.cli(["sync", "--max-deletions", "5"]).status == 4)
        let lifted = try world.cli(["sync", "--max-deletions", "6"])
        #expect(lifted.status == 0, "\(lifted.stdout)")
        #expect(try world.liveTeam().count == Self.desired - 6)
    }

    @Test("safety: a users filter that matches nobody deletes nobody")
    func emptyRead() throws {
        let world = try World()
        defer { world.stop() }
        #expect(try world.cli(["sync"]).status == 0)
        try world.writeConfig(usersFilter: "(uid=nobody-at-all)")
        let result = try world.cli(["sync"])
        #expect(result.status == 4)
        #expect(result.stdout.contains("no people at all"))
        #expect(try world.liveTeam().count == Self.desired)
    }

    @Test("issue 15 #1: a Podero list that lies by omission (podero-sandbox --list-hide) never re-creates anyone: exit 1, nothing written")
    func listHidesAccounts() throws {
        let world = try World()
        defer { world.stop() }
        #expect(try world.cli(["sync"]).status == 0)
        let before = try world.sandboxUsers().count
        for fraction in ["0.5", "1"] {
            try world.setSandbox(#"{"list_hide_fraction": \#(fraction)}"#)
            let posts = try world.sandboxRequests().filter { $0["method"] as? String == "POST" && ($0["path"] as? String ?? "").hasSuffix("/users") }.count
            let result = try world.cli(["sync"])
            #expect(result.status == 1, "\(fraction): \(result.stdout)\(result.stderr)")
            #expect(result.stderr.contains("incomplete"), "\(result.stderr)")
            #expect(try world.sandboxRequests().filter { $0["method"] as? String == "POST" && ($0["path"] as? String ?? "").hasSuffix("/users") }.count == posts)
            #expect(try world.sandboxUsers().count == before)
        }
        try world.setSandbox(#"{"list_hide_fraction": 0}"#)
        #expect(try world.cli(["sync"]).stdout.contains("in sync, nothing to do"))
    }

    @Test("issue 15 #26 and #27: a bind account that may not read an id or an attribute: nobody is deleted, and check-config --connect, plan and status say so")
    func strictACLs() throws {
        let world = try World()
        defer { world.stop() }
        #expect(try world.cli(["sync"]).status == 0)
        #expect(try world.cli(["check-config", "--connect"]).stderr.isEmpty)  // podero-sync reads everything
        // The same directory through an account whose ACLs hide employeeType, and user00003's entryUUID.
        world.slapdBindDN = "cn=restricted,ou=services,dc=example,dc=com"
        try world.writeConfig()
        let connect = try world.cli(["check-config", "--connect"])
        #expect(connect.status == 0, "\(connect.stderr)")
        #expect(connect.stderr.contains("warning: directory.users.disabled_filter employeeType: none of the"), "\(connect.stderr)")
        let plan = try world.cli(["plan"])
        #expect(plan.stdout.contains("attribute_unseen"), "\(plan.stdout)")
        #expect(plan.stdout.contains("has no entryUUID"))
        #expect(!plan.stdout.split(separator: "\n").contains { $0.hasPrefix("soft_delete") || $0.hasPrefix("mark_departed") }, "\(plan.stdout)")
        #expect(plan.stdout.contains("Departures held"), "\(plan.stdout)")
        let sync = try world.cli(["sync"])
        #expect([0, 3].contains(sync.status), "\(sync.stdout)\(sync.stderr)")
        #expect(try world.liveTeam()["user00003@example.com"] != nil)  // the admin whose id is hidden keeps the account
        let status = try world.cli(["status"]).stdout
        #expect(status.contains("[departure_held]") && status.contains("[attribute_unseen]"), "\(status)")
        // An unreadable e-mail attribute fails --connect.
        try world.writeConfig(usersFilter: "(objectClass=inetOrgPerson)")
        let config = try String(contentsOfFile: world.configPath, encoding: .utf8)
            .replacingOccurrences(of: "    disabled_filter: (employeeType=disabled)", with: "    disabled_filter: (employeeType=disabled)\n    email_attribute: employeeType")
        try config.write(toFile: world.configPath, atomically: true, encoding: .utf8)
        let essential = try world.cli(["check-config", "--connect"])
        #expect(essential.status == 1, "\(essential.stderr)")
        #expect(essential.stderr.contains("directory.users.email_attribute employeeType"), "\(essential.stderr)")
    }

    @Test("a failed directory read stops the run before any write (exit 1)")
    func failedRead() throws {
        let world = try World()
        defer { world.stop() }
        #expect(try world.cli(["sync"]).status == 0)
        try world.writeSecret("ldap-password", "wrong-password")
        let result = try world.cli(["sync"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("wrong bind DN or password"))
        #expect(!result.stderr.contains("wrong-password"))
        #expect(try world.liveTeam().count == Self.desired)
        #expect(try world.cli(["plan"]).status == 1)
    }

    @Test("partial failure: one create refused by Podero, the rest applied and recorded (exit 3)")
    func partialFailure() throws {
        let world = try World(sandbox: ["--soft-deleted-blocks-reuse"])
        defer { world.stop() }
        // An account nobody manages, soft-deleted long ago, still holds user00001's e-mail.
        _ = try World.run("/usr/bin/curl", ["-sf", "-X", "POST", world.sandboxURL + "/_sandbox/seed", "-H", "Content-Type: application/json",
            "-d", #"[{"role": "staff", "email": "user00001@example.com", "deleted": true}]"#])
        let result = try world.cli(["sync"])
        #expect(result.status == 3, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("did \(Self.desired - 1) create, 1 create failed"))
        #expect(try world.liveTeam().count == Self.desired - 1)
        let audit = try world.cli(["audit", "export"]).stdout
        #expect(audit.contains(#""action":"create","outcome":"failed""#))
        #expect(try world.cli(["audit", "verify"]).status == 0)
    }

    @Test("a person back after a soft delete, while the old account blocks the e-mail: restore_blocked in status, and posted to notify.webhook_url")
    func restoreBlocked() throws {
        let world = try World(sandbox: ["--soft-deleted-blocks-reuse"])
        defer { world.stop() }
        #expect(try world.cli(["sync"]).status == 0)
        let leave = """
            dn: cn=podero-staff,ou=groups,dc=example,dc=com
            changetype: modify
            delete: member
            member: uid=zoe,ou=people,dc=example,dc=com
            """
        try world.ldapModify(leave)
        #expect(try world.cli(["sync"]).status == 0)
        try world.ldapModify(leave.replacingOccurrences(of: "delete: member", with: "add: member"))
        // notify.webhook_url hears of it: one post, naming the person.
        let receiver = try WebhookReceiver(directory: world.directory, failFirst: 0)
        defer { receiver.stop() }
        try world.writeConfig(extra: "notify:\n  webhook_url: http://127.0.0.1:\(receiver.port)/hook")
        let back = try world.cli(["sync"])
        #expect(back.status == 0, "\(back.stdout)")
        let blocked = receiver.posts.filter { ($0.body["event"] as? String) == "restore_blocked" }
        #expect(blocked.count == 1 && (blocked.first?.body["summary"] as? String)?.lowercased().contains("zoe.mueller@example.com") == true,
            "\(receiver.posts.map(\.body))")
        #expect(back.stdout.contains("1 restore_blocked"))
        let status = try JSONSerialization.jsonObject(with: Data(try world.cli(["status", "--json"]).stdout.utf8)) as? [String: Any]
        let attention = status?["needs_attention"] as? [[String: Any]] ?? []
        #expect(attention.contains { $0["kind"] as? String == "restore_blocked" && ($0["email"] as? String)?.lowercased() == "zoe.mueller@example.com" })
        #expect(attention.filter { $0["kind"] as? String == "skipped" }.count == 4)
        // While the old account is there: no POST, and status names the blocking account.
        let posts = { try world.sandboxRequests().filter { $0["method"] as? String == "POST" && ($0["path"] as? String)?.hasSuffix("/users") == true }.count }
        let postsBefore = try posts()
        #expect(try world.cli(["sync"]).stdout.contains("in sync, nothing to do"))
        #expect(try posts() == postsBefore)
        let old = try #require(try world.sandboxUsers().first { ($0["email"] as? String)?.lowercased() == "zoe.mueller@example.com" })
        let oldID = try #require(old["id"] as? String)
        #expect(try world.cli(["status"]).stdout.contains("Podero account \(oldID)"))
        // An administrator purges the old account: the next run creates Zoë's again.
        try world.hardDeleteInSandbox(oldID)
        let restored = try world.cli(["sync"])
        #expect(restored.stdout.contains("did 1 create"), "\(restored.stdout)")
        #expect(try posts() == postsBefore + 1)
        let after = try JSONSerialization.jsonObject(with: Data(try world.cli(["status", "--json"]).stdout.utf8)) as? [String: Any]
        #expect((after?["needs_attention"] as? [[String: Any]] ?? []).allSatisfy { $0["kind"] as? String != "restore_blocked" })
    }
}
