import Foundation
import Testing

/// The access review (issue 12) as an administrator and an auditor use it: `review` in every
/// format, `explain`, expiring access and company e-mail only, against a private slapd and a
/// podero-sandbox seeded with logins.
@Suite("End to end: access review, explain, expiring access, company e-mail only", .serialized)
struct EndToEndReviewTests {
    static let day: TimeInterval = 86_400
    static var today: Int { Int(Date().timeIntervalSince1970 / day) }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not JSON: \(text.prefix(300))")
    }

    static func accounts(_ document: [String: Any]) -> [String: [String: Any]] {
        var byEmail: [String: [String: Any]] = [:]
        for account in document["accounts"] as? [[String: Any]] ?? [] { byEmail[(account["email"] as? String ?? "").lowercased()] = account }
        return byEmail
    }

    static func shadowExpire(_ uid: String, days: Int, addClass: Bool) -> String {
        """
        dn: uid=\(uid),ou=people,dc=example,dc=com
        changetype: modify
        \(addClass ? "add: objectClass\nobjectClass: shadowAccount\n-\n" : "")replace: shadowExpire
        shadowExpire: \(days)


        """
    }

    @Test("review, explain, expiry and allowed domains: standings, flags, formats, the guarded departures")
    func review() throws {
        let world = try World(people: 40)
        defer { world.stop() }
        world.usersExtra = ["expires_attribute: shadowExpire"]
        try world.writeConfig(extra: "review:\n  max_admins: 3\n  inactive_after: 30d",
            sync: "departure_grace: 0s\nallowed_email_domains: [example.com]")

        // user00010 (staff) is a consultant until three days from now; user00020's access ended
        // yesterday (never created); user00040 has a private address (never created).
        try world.ldapModify(Self.shadowExpire("user00010", days: Self.today + 3, addClass: true)
            + Self.shadowExpire("user00020", days: Self.today - 1, addClass: true) + """
            dn: uid=user00040,ou=people,dc=example,dc=com
            changetype: modify
            replace: mail
            mail: user00040@gmail.example.net
            """)
        // A hand-made admin whose name a spreadsheet would run, an end-user, and an unmanaged
        // staff account holding a directory person's e-mail.
        try world.postSandbox("seed", """
            [{"role": "admin", "email": "it-boss@example.com", "first_name": "=HYPERLINK(\\"http://x.example\\",\\"y\\")", "last_name": "<b>Boss</b>",
              "last_login": "2025-01-01T08:00:00Z", "is_onboarded": true, "joined_at": "2024-06-01T08:00:00Z"},
             {"role": "user", "email": "customer@example.net"},
             {"role": "staff", "email": "jose.alvarez@example.com", "joined_at": "2025-01-01T00:00:00+00:00"}]
            """)

        let sync = try world.cli(["sync"])
        #expect(sync.status == 0, "\(sync.stdout)\(sync.stderr)")
        var team = try world.liveTeam()
        #expect(team["user00010@example.com"]?["role"] as? String == "staff")
        #expect(team["user00020@example.com"] == nil, "expired before the first sync: never created")
        #expect(team.keys.allSatisfy { !$0.contains("gmail") }, "outside allowed_email_domains: never created")

        // status --json: the skipped person, the upcoming expiry.
        let status = try Self.json(try world.cli(["status", "--json"]).stdout)
        let attention = status["needs_attention"] as? [[String: Any]] ?? []
        #expect(attention.contains { $0["kind"] as? String == "skipped" && ($0["email"] as? String)?.contains("gmail") == true
            && ($0["detail"] as? String)?.contains("outside sync.allowed_email_domains") == true }, "\(attention)")
        let expiries = status["upcoming_expiries"] as? [[String: Any]] ?? []
        #expect(expiries.map { $0["email"] as? String } == ["user00010@example.com"])
        #expect([2, 3].contains(expiries.first?["days_left"] as? Int ?? -1))

        // Logins: user00001 last logged in 200 days ago (inactive), user00002 today.
        let old = Date().addingTimeInterval(-200 * Self.day).formatted(.iso8601)
        try world.postSandbox("activity", """
            [{"email": "user00001@example.com", "last_login": "\(old)", "is_onboarded": true},
             {"email": "user00002@example.com", "last_login": "\(Date().formatted(.iso8601))", "is_onboarded": true}]
            """)

        let reviewed = try world.cli(["review", "--json"])
        #expect(reviewed.status == 0, "\(reviewed.stderr)")
        let document = try Self.json(reviewed.stdout)
        let accounts = Self.accounts(document)
        let summary = try #require(document["summary"] as? [String: Any])
        #expect(accounts["user00010@example.com"]?["standing"] as? String == "expiring")
        #expect((accounts["user00010@example.com"]?["expires_at"] as? String)?.isEmpty == false)
        #expect(accounts["user00003@example.com"]?["standing"] as? String == "managed")
        #expect(accounts["user00003@example.com"]?["why"] as? String == "rule 1 (cn=podero-admins → admin): member of cn=podero-admins via cn=ops-leads, cn=ops-oncall")
        #expect(accounts["it-boss@example.com"]?["standing"] as? String == "unmanaged")
        #expect(accounts["it-boss@example.com"]?["why"] is NSNull)
        #expect(accounts["it-boss@example.com"]?["flags"] as? [String] == ["inactive"])
        #expect(accounts["jose.alvarez@example.com"]?["standing"] as? String == "adoption_candidate")
        #expect(accounts["jose.alvarez@example.com"]?["flags"] as? [String] == ["invitation_pending"])
        #expect(accounts["user00001@example.com"]?["flags"] as? [String] == ["inactive"])
        #expect(accounts["user00002@example.com"]?["flags"] as? [String] == [])
        #expect(accounts["customer@example.net"] == nil, "end-users are counted, never listed")
        #expect(summary["end_users"] as? Int == 1)
        #expect(summary["admins"] as? Int == 5)  // user00001-3, Jan, it-boss
        #expect(summary["too_many_admins"] as? Bool == true)
        #expect(summary["accounts"] as? Int == accounts.count)
        let flags = try #require(summary["flags"] as? [String: Int])
        #expect(flags["inactive"] == 2)
        let standings = try #require(summary["standings"] as? [String: Int])
        #expect(standings.values.reduce(0, +) == accounts.count)
        #expect(standings["managed"] == accounts.values.filter { $0["standing"] as? String == "managed" }.count)
        let head = try #require(summary["audit_head"] as? [String: Any])
        #expect((head["hash"] as? String)?.count == 64)

        // The text table, plan's expiry notice, --check, CSV (formula-safe), HTML in a real browser.
        #expect(try world.cli(["plan"]).stdout.contains("user00010@example.com  staff, expires in "))
        let text = try world.cli(["review"])
        #expect(text.stdout.contains("expiring"))
        #expect(text.stdout.contains("5 admins (MORE than review.max_admins 3)"))
        #expect(try world.cli(["review", "--check"]).status == 2)
        let csv = try world.cli(["review", "--csv"]).stdout
        let lines = csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.count == accounts.count + 1)
        let boss = try #require(lines.first { $0.contains("it-boss@example.com") })
        #expect(boss.contains(#""'=HYPERLINK(""http://x.example"",""y"") <b>Boss</b>""#), "\(boss)")
        let page = world.directory.appendingPathComponent("review.html").path
        let written = try world.cli(["review", "--html", page, "--output", world.directory.appendingPathComponent("review.csv").path, "--csv"])
        #expect(written.status == 0, "\(written.stderr)")
        #expect(written.stdout.isEmpty)
        let mode = try FileManager.default.attributesOfItem(atPath: page)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(!html.contains("<script"))
        #expect(!html.contains("src=") && !html.contains("href=") && !html.contains("@import") && !html.contains("url("))
        #expect(html.contains("&lt;b&gt;Boss&lt;/b&gt;"))
        try Self.checkInBrowser(page, standings: standings, flags: flags, accounts: accounts.count, headHash: head["hash"] as? String ?? "")

        // explain: the consultant, the person with a private address, nobody.
        let story = try Self.json(try world.cli(["explain", "user00010", "--json"]).stdout)
        #expect(story["desired_role"] as? String == "staff")
        #expect(((story["directory"] as? [String: Any])?["expires_at"] as? String)?.isEmpty == false)
        let rules = story["rules"] as? [[String: Any]] ?? []
        #expect(rules.map { $0["result"] as? String } == ["not_matched", "matched"])
        #expect((story["journal"] as? [String: Any])?["state"] as? String == "active")
        #expect((story["audit"] as? [[String: Any]])?.first?["action"] as? String == "create")
        let outside = try world.cli(["explain", "user00040"])
        #expect(outside.status == 0)
        #expect(outside.stdout.contains("Desired role: none: e-mail domain gmail.example.net is outside sync.allowed_email_domains"))
        #expect(outside.stdout.contains("skip: uid=user00040,ou=people,dc=example,dc=com: e-mail domain gmail.example.net"))
        let nobody = try world.cli(["explain", "no-such-person"])
        #expect(nobody.status == 1)
        #expect(nobody.stderr.contains("nobody matches no-such-person"))
        let several = try world.cli(["explain", "shared@example.com"])
        #expect(several.status == 1)
        #expect(several.stderr.contains("2 people match") && several.stderr.contains("uid=dup1"))

        // A managed person moves to a private address, and the consultant's access ends: both
        // depart through the guarded path, with those reasons; the inactive admin stays.
        try world.ldapModify(Self.shadowExpire("user00010", days: Self.today - 1, addClass: false) + """
            dn: uid=user00030,ou=people,dc=example,dc=com
            changetype: modify
            replace: mail
            mail: user00030@home.example.org
            """)
        let plan = try world.cli(["plan"]).stdout
        #expect(plan.contains("access expired on"), "\(plan)")
        let second = try world.cli(["sync"])
        #expect(second.status == 0, "\(second.stderr)")
        team = try world.liveTeam()
        #expect(team["user00010@example.com"] == nil)
        #expect(team["user00030@example.com"] == nil)
        #expect(team["user00001@example.com"] != nil, "inactive accounts are reported, never removed while the directory grants the role")
        let audit = try world.cli(["audit", "export"]).stdout
        let deletes = audit.split(separator: "\n").filter { $0.contains("\"soft_delete\"") }
        #expect(deletes.contains { $0.contains("access expired on") && $0.contains("user00010") })
        #expect(deletes.contains { $0.contains("outside sync.allowed_email_domains") && $0.contains("user00030") })
        // Soft-deleted accounts are rows only with --include-deleted (the plain review lists only
        // the live accounts from Podero, as a sync does).
        let live = try Self.json(try world.cli(["review", "--json"]).stdout)["accounts"] as? [[String: Any]] ?? []
        #expect(!live.isEmpty && !live.contains { $0["standing"] as? String == "soft_deleted" })
        let withDeleted = try Self.json(try world.cli(["review", "--json", "--include-deleted"]).stdout)["accounts"] as? [[String: Any]] ?? []
        let softDeleted = Set(withDeleted.filter { $0["standing"] as? String == "soft_deleted" }.compactMap { $0["email"] as? String })
        #expect(softDeleted.isSuperset(of: ["user00010@example.com", "user00030@example.com"]), "\(softDeleted)")
        #expect(withDeleted.count == live.count + softDeleted.count)

        // A value that is not a date skips the entry (its account is kept), never deletes it.
        try world.ldapModify(Self.shadowExpire("user00001", days: 0, addClass: true))
        let third = try world.cli(["sync"])
        #expect(third.status == 0)
        #expect(try world.liveTeam()["user00001@example.com"] != nil)
        let skipped = try Self.json(try world.cli(["status", "--json"]).stdout)["needs_attention"] as? [[String: Any]] ?? []
        #expect(skipped.contains { ($0["detail"] as? String)?.contains("shadowExpire is 0, which shadow(5) reads as either never or 1970-01-01") == true },
            "\(skipped)")
    }

    /// Renders the page in headless chromium: it parses, shows the counts of the JSON, and
    /// needs nothing from outside (every host name fails to resolve); printing it to PDF works.
    static func checkInBrowser(_ page: String, standings: [String: Int], flags: [String: Int], accounts: Int, headHash: String) throws {
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let browser = try #require(chromium, "chromium is not installed: Scripts/test.sh installs it")
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: profile) }
        let common = ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile)", "--no-first-run",
                      "--disable-background-networking", "--host-resolver-rules=MAP * ~NOTFOUND"]
        let dom = try World.run(browser, common + ["--dump-dom", "file://" + page])
        #expect(dom.status == 0, "\(dom.stderr.suffix(500))")
        func count(_ id: String) -> Int? {
            guard let range = dom.stdout.range(of: "id=\"\(id)\">") else { return nil }
            return Int(dom.stdout[range.upperBound...].prefix { $0.isNumber })
        }
        #expect(count("count-accounts") == accounts)
        for (standing, value) in standings { #expect(count("count-\(standing)") == value, "\(standing)") }
        for (flag, value) in flags { #expect(count("flag-\(flag)") == value, "\(flag)") }
        #expect(dom.stdout.contains(headHash))
        let pdf = page + ".pdf"
        let printed = try World.run(browser, common + ["--print-to-pdf=\(pdf)", "--no-pdf-header-footer", "file://" + page])
        #expect(printed.status == 0, "\(printed.stderr.suffix(500))")
        let size = (try? FileManager.default.attributesOfItem(atPath: pdf)[.size] as? Int) ?? 0
        #expect(size > 1000)
    }
}
