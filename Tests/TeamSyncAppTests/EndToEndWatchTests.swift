import Foundation
import Synchronization
import SyncJournal
import Testing
import TeamSyncCore

/// Issue 11: `run` follows the directory through syncrepl (slapd + syncprov, for real) and
/// applies each change within the latency target, with every guard in force.
@Suite("End to end: the directory watch", .serialized)
struct EndToEndWatchTests {
    /// p99 target on slapd (issue 11).
    static let target = 2.0

    /// Seconds until `condition` holds (polled every 20 ms), or nil after `limit` seconds.
    private func seconds(until condition: () throws -> Bool, limit: Double = 10) rethrows -> Double? {
        let start = Date()
        while Date().timeIntervalSince(start) < limit {
            if try condition() { return Date().timeIntervalSince(start) }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return try condition() ? Date().timeIntervalSince(start) : nil
    }

    private func log(_ world: World) -> String {
        (try? String(contentsOfFile: world.directory.appendingPathComponent("launch.err").path, encoding: .utf8)) ?? ""
    }

    /// Starts `run` and waits for the first reconcile and a connected watch.
    private func start(_ world: World) throws -> pid_t {
        let service = try world.launch(["run", "--log-level", "info"])
        #expect(try seconds(until: { try world.liveTeam().count == EndToEndSyncTests.desired }, limit: 30) != nil, "\(log(world))")
        #expect(seconds(until: { log(world).contains("directory watch connected") }) != nil, "\(log(world))")
        #expect(seconds(until: { log(world).contains("cycle finished") }) != nil)
        return service
    }

    private func stop(_ service: pid_t) {
        kill(service, SIGTERM)
        _ = Spawn.wait(service)
    }

    private func managed(_ world: World, _ email: String) async throws -> ManagedAccount? {
        try await SyncJournal.openReadOnly(path: world.journalPath)?.managedAccounts().first { $0.email == email }
    }

    private func role(_ world: World, _ email: String) throws -> String? {
        try world.liveTeam()[email]?["role"] as? String
    }

    private func refusals(_ journal: SyncJournal) async throws -> [AuditRecord] {
        let found = Mutex<[AuditRecord]>([])
        try await journal.forEachAuditRecord(since: nil, until: nil) { record in
            if record.action == .safetyRefused { found.withLock { $0.append(record) } }
        }
        return found.withLock { $0 }
    }

    private func requestCount(_ world: World) throws -> Int { try world.sandboxRequests().count }

    @Test("each kind of change reaches Podero as the right call within 2 s; renames and moves make no call; a quiet stream leaves the reconcile nothing to do")
    func changes() async throws {
        let port = freePort()
        let world = try World(extraConfig: "metrics:\n  listen: 127.0.0.1:\(port)")
        defer { world.stop() }
        let service = try start(world)
        defer { stop(service) }
        let base = "ou=people,dc=example,dc=com"
        var latencies: [String: Double?] = [:]

        // A join: into a role group.
        try world.ldapModify("dn: cn=podero-staff,ou=groups,dc=example,dc=com\nchangetype: modify\nadd: member\nmember: uid=user00011,\(base)\n")
        latencies["join"] = try seconds(until: { try role(world, "user00011@example.com") == "staff" })
        // A promotion.
        try world.ldapModify("dn: cn=podero-admins,ou=groups,dc=example,dc=com\nchangetype: modify\nadd: member\nmember: uid=user00011,\(base)\n")
        latencies["promotion"] = try seconds(until: { try role(world, "user00011@example.com") == "admin" })
        // A rename and a move to another OU under the users base: no Podero call, the DN is followed.
        let before = try requestCount(world)
        try world.ldapModify("dn: uid=user00011,\(base)\nchangetype: modrdn\nnewrdn: uid=user00011r\ndeleteoldrdn: 1\n")
        try world.ldapModify("dn: ou=contractors,\(base)\nchangetype: add\nobjectClass: organizationalUnit\nou: contractors\n")
        try world.ldapModify("dn: uid=user00011r,\(base)\nchangetype: modrdn\nnewrdn: uid=user00011r\ndeleteoldrdn: 1\nnewsuperior: ou=contractors,\(base)\n")
        let moved = "uid=user00011r,ou=contractors,\(base)"
        var followed = false
        for _ in 0..<150 where !followed {
            followed = try await managed(world, "user00011@example.com")?.lastDN == moved
            if !followed { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(followed, "\(log(world))")
        try await Task.sleep(for: .milliseconds(600))
        #expect(try role(world, "user00011@example.com") == "admin")
        let calls = try world.sandboxRequests().dropFirst(before).filter { ($0["method"] as? String) != "GET" && !(($0["path"] as? String) ?? "").contains("token") }
        #expect(calls.isEmpty, "a rename or a move made Podero calls: \(calls)")
        // A rename of someone in a role group through a nested group, then another change of
        // theirs: refint rewrites dept-00 without syncprov reporting it, so the watch reads the
        // groups that listed the old DN again; the person keeps the role (no departure).
        try world.ldapModify("dn: uid=user00020,\(base)\nchangetype: modrdn\nnewrdn: uid=user00020r\ndeleteoldrdn: 1\n")
        try await Task.sleep(for: .seconds(1.5))
        try world.ldapModify("dn: uid=user00020r,\(base)\nchangetype: modify\nreplace: description\ndescription: renamed\n")
        try await Task.sleep(for: .seconds(1))
        #expect(try role(world, "user00020@example.com") == "staff", "a renamed member of a nested role group lost the role\n\(log(world))")
        // A disable and a delete: departures (sync.departure_grace 0s: soft deletes).
        try world.ldapModify("dn: \(moved)\nchangetype: modify\nreplace: employeeType\nemployeeType: disabled\n")
        latencies["disable"] = try seconds(until: { try world.liveTeam()["user00011@example.com"] == nil })
        try world.ldapModify("dn: uid=user00001,\(base)\nchangetype: delete\n")
        latencies["delete"] = try seconds(until: { try world.liveTeam()["user00001@example.com"] == nil })
        // A nested group that moves many people at once: dept-02 (user00002, 12, 22) into the admins.
        try world.ldapModify("dn: cn=podero-admins,ou=groups,dc=example,dc=com\nchangetype: modify\nadd: member\nmember: cn=dept-02,ou=groups,dc=example,dc=com\n")
        latencies["nested"] = try seconds(until: {
            try ["user00012@example.com", "user00022@example.com"].allSatisfy { try role(world, $0) == "admin" }
        })
        for (change, latency) in latencies.sorted(by: { $0.key < $1.key }) {
            #expect(latency.map { $0 < Self.target } == true, "\(change) took \(latency.map { String($0) } ?? "more than 10") s\n\(log(world))")
        }
        print("watch latencies (s): " + latencies.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.3f", ($0.value ?? nil) ?? -1))" }.joined(separator: ", "))
        // The full reconcile finds nothing left to do.
        let check = try world.cli(["plan", "--check"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        let status = try world.cli(["status"]).stdout
        #expect(status.contains("Directory watch: syncrepl, connected"), "\(status)")
        let metrics = try World.run("/usr/bin/curl", ["-s", "http://127.0.0.1:\(port)/metrics"]).stdout
        #expect(metrics.contains("podero_team_sync_watch_connected 1"), "\(metrics)")
        #expect(metrics.contains("podero_team_sync_watch_apply_latency_seconds_count"), "\(metrics)")
    }

    @Test("random adds, moves, renames, group changes, disables and deletes: afterwards the full reconcile has nothing left to do")
    func randomStream() async throws {
        // With the accesslog: group changes are read from it, refint's rewrites (which it does
        // not log) by one-value checks; the full reconcile must agree all the same.
        let port = freePort()
        let sync = "max_deletions: 100\nmax_deletion_percent: 100\nmax_deletions_per_day: 1000"
        let world = try World(extraConfig: "metrics:\n  listen: 127.0.0.1:\(port)", sync: sync)
        world.accesslog = true
        try world.writeConfig(extra: "metrics:\n  listen: 127.0.0.1:\(port)", sync: sync)
        defer { world.stop() }
        let service = try start(world)
        defer { stop(service) }
        let base = "ou=people,dc=example,dc=com"
        var generator = SeededGenerator(seed: 11)
        var people = Set((6...30).map { "uid=user\(String(format: "%05d", $0)),\(base)" })
        let groups = ["podero-admins", "podero-staff", "dept-03", "ops-leads"].map { "cn=\($0),ou=groups,dc=example,dc=com" }
        var operations: [String] = []
        for step in 0..<40 {
            guard let person = people.randomElement(using: &generator) else { break }
            let group = groups.randomElement(using: &generator)!
            let ldif: String
            switch Int.random(in: 0..<7, using: &generator) {
            case 0:
                ldif = "dn: \(group)\nchangetype: modify\nadd: member\nmember: \(person)\n"
            case 1:
                ldif = "dn: \(group)\nchangetype: modify\ndelete: member\nmember: \(person)\n"
            case 2:
                let renamed = "uid=moved\(step)"
                ldif = "dn: \(person)\nchangetype: modrdn\nnewrdn: \(renamed)\ndeleteoldrdn: 0\n"
                people.remove(person)
                people.insert("\(renamed),\(base)")
            case 3:
                ldif = "dn: \(person)\nchangetype: modify\nreplace: employeeType\nemployeeType: \(Bool.random(using: &generator) ? "disabled" : "staff")\n"
            case 4:
                ldif = "dn: \(person)\nchangetype: delete\n"
                people.remove(person)
            case 5:
                let uid = "joiner\(step)"
                let dn = "uid=\(uid),\(base)"
                ldif = "dn: \(dn)\nchangetype: add\nobjectClass: inetOrgPerson\nuid: \(uid)\ncn: Joiner \(step)\nsn: Joiner\nmail: \(uid)@example.com\n\n"
                    + "dn: \(group)\nchangetype: modify\nadd: member\nmember: \(dn)\n"
                people.insert(dn)
            default:
                ldif = "dn: \(person)\nchangetype: modify\nreplace: givenName\ngivenName: Renamed \(step)\n"
            }
            // A group may already hold, or lack, the member: those changes are simply refused.
            do { try world.ldapModify(ldif) } catch { continue }
            operations.append(String(format: "%.3f ", Date().timeIntervalSince1970.truncatingRemainder(dividingBy: 1000)) + ldif.split(separator: "\n").prefix(4).joined(separator: " "))
            try await Task.sleep(for: .milliseconds(Int.random(in: 0..<250, using: &generator)))
        }
        #expect(operations.count >= 25)
        // Quiet: let the last batch go through, then the reconcile must agree with the stream.
        try await Task.sleep(for: .seconds(3))
        let check = try world.cli(["plan", "--check"])
        #expect(check.status == 0, "after \(operations.count) changes the reconcile still has work:\n\(check.stdout)\nchanges:\n\(operations.joined(separator: "\n"))\n\(log(world))")
        #expect(!log(world).contains("a complete read is needed"), "\(log(world))")
        let metrics = try World.run("/usr/bin/curl", ["-s", "http://127.0.0.1:\(port)/metrics"]).stdout
        #expect(metrics.contains(#"podero_team_sync_watch_group_reads_total{read="accesslog"}"#), "\(metrics)")
        // check-config --connect says the log is used, or why not (an account that may not read it).
        let checked = try world.cli(["check-config", "--connect"])
        #expect(checked.stdout.contains("changed groups are read from the accesslog cn=accesslog"), "\(checked.stdout)\(checked.stderr)")
        world.slapdBindDN = "cn=restricted,ou=services,dc=example,dc=com"
        try world.writeConfig(extra: "metrics:\n  listen: 127.0.0.1:\(port)", sync: sync)
        let restricted = try world.cli(["check-config", "--connect"])
        // (slapd answers 32, no such object, for a base the account may not see.)
        #expect(restricted.stderr.contains("directory.accesslog_base cn=accesslog cannot be read") && restricted.stderr.contains("the watch reads changed groups whole"),
            "\(restricted.stdout)\(restricted.stderr)")
        print("random stream group reads: " + metrics.split(separator: "\n").filter { $0.hasPrefix("podero_team_sync_watch_group_reads_total") }.joined(separator: ", "))
    }

    @Test("a burst of departures over the limit: exactly the limit goes, the rest waits, recorded once, status says so, sync --max-deletions confirms")
    func burst() async throws {
        let world = try World(sync: "max_deletions: 2\nmax_deletion_percent: 100")
        defer { world.stop() }
        let service = try start(world)
        defer { stop(service) }
        // Four of the eleven (36 %) leave at once: dept-00's people (10, 20, 30) and user00001.
        try world.fourLeave()
        #expect(try seconds(until: { try world.liveTeam().count == EndToEndSyncTests.desired - 2 }) != nil)
        try await Task.sleep(for: .seconds(1.5))
        #expect(try world.liveTeam().count == EndToEndSyncTests.desired - 2, "more than the limit went")
        let journal = try #require(try SyncJournal.openReadOnly(path: world.journalPath))
        let refusals = try await refusals(journal)
        #expect(refusals.count == 1, "\(refusals)")
        #expect(refusals.first?.reason?.contains("2 applied, 2 not applied") == true, "\(refusals)")
        let status = try world.cli(["status", "--json"]).stdout
        #expect(status.contains(#""refused_departures": 2"#), "\(status)")
        // A later trickle in the same window is refused too, and not recorded again.
        try world.ldapModify("dn: uid=user00004,ou=people,dc=example,dc=com\nchangetype: delete\n")
        try await Task.sleep(for: .seconds(1.5))
        #expect(try world.liveTeam().count == EndToEndSyncTests.desired - 2)
        #expect(try await self.refusals(journal).count == 1)
        // The administrator confirms: the held departures go.
        stop(service)
        let confirmed = try world.cli(["sync", "--max-deletions", "5"])
        #expect(confirmed.status == 0, "\(confirmed.stdout)\(confirmed.stderr)")
        #expect(try world.liveTeam().count == EndToEndSyncTests.desired - 5)
    }

    @Test("approval by name: the watch holds what the window refuses, approve (SUDO_USER recorded) lets exactly those go within seconds; sync holds a set, reject drops it and nobody is offered again")
    func approvalByName() async throws {
        let world = try World(sync: "max_deletions: 2\nmax_deletion_percent: 100")
        defer { world.stop() }
        let service = try start(world)
        defer { stop(service) }
        try world.fourLeave()
        #expect(try seconds(until: { try world.liveTeam().count == EndToEndSyncTests.desired - 2 }) != nil)
        func held() throws -> [[String: Any]] {
            let status = try world.cli(["status", "--json"]).stdout
            let object = try JSONSerialization.jsonObject(with: Data(status.utf8)) as? [String: Any]
            return object?["held"] as? [[String: Any]] ?? []
        }
        #expect(seconds(until: { (try? held().count) == 1 }) != nil, "\(log(world))")
        let set = try #require(try held().first)
        let id = try #require(set["id"] as? String)
        let people = set["people"] as? [[String: Any]] ?? []
        #expect(people.count == 2 && people.allSatisfy { ($0["decision"] as? String) == "awaiting" && $0["why"] is String }, "\(set)")
        #expect(try world.cli(["status"]).stdout.contains("podero-team-sync approve \(id)"))

        let started = Date()
        let approved = try world.cli(["approve", id], environment: ["SUDO_USER": "alice.admin"])
        #expect(approved.status == 0 && approved.stdout.contains("2 departures approved by alice.admin"), "\(approved.stdout)\(approved.stderr)")
        let latency = try seconds(until: { try world.liveTeam().count == EndToEndSyncTests.desired - 4 }, limit: 15)
        #expect(latency != nil, "\(log(world))")
        print("approval to departure: \(String(format: "%.2f", latency ?? -1)) s (since the command started: \(String(format: "%.2f", Date().timeIntervalSince(started))) s)")
        #expect(log(world).contains("a decision on a held set was recorded: a sync now"))
        #expect(seconds(until: { (try? held().isEmpty) == true }) != nil)
        let audit = try world.cli(["audit", "export"]).stdout.split(separator: "\n").map(String.init)
        #expect(audit.filter { $0.contains(#""action":"approved""#) && $0.contains("by alice.admin") }.count == 2, "\(audit.suffix(10))")
        #expect(audit.filter { $0.contains(#""action":"soft_delete""#) && $0.contains("approved by alice.admin (held set \(id))") }.count == 2)

        // sync (the command) holds a set too; reject drops it, and it is not offered again.
        stop(service)
        let journal = try #require(try SyncJournal.openReadOnly(path: world.journalPath))
        let leaving = try await journal.managedAccounts().filter { $0.state == .active }.prefix(3).compactMap(\.lastDN)
        for dn in leaving { try world.ldapModify("dn: \(dn)\nchangetype: delete\n") }
        let refused = try world.cli(["sync"])
        #expect(refused.status == 4, "\(refused.stdout)\(refused.stderr)")
        let second = try #require(try held().first?["id"] as? String)
        #expect(try held().first?["people"].map { ($0 as? [Any])?.count } == 3)
        let rejected = try world.cli(["reject", second], environment: ["SUDO_USER": "bob.admin"])
        #expect(rejected.status == 0, "\(rejected.stdout)\(rejected.stderr)")
        #expect(try held().isEmpty)
        #expect(try world.cli(["sync"]).status == 4)
        #expect(try held().isEmpty, "rejected people are not offered again")
        let again = try world.cli(["approve", second])
        #expect(again.status == 64 && again.stderr.contains("awaits no decision"), "\(again.stderr)")
        let unknown = try world.cli(["approve", "ffffffff"])
        #expect(unknown.status == 64 && unknown.stderr.contains("no held set ffffffff"), "\(unknown.stderr)")
        #expect(try world.liveTeam().count == EndToEndSyncTests.desired - 4)
    }

    @Test("a slapd restart, a cookie from another server, kill -9 during a batch: reconnects, a complete read infers what was missed, nobody is invited twice")
    func recovery() async throws {
        let world = try World(sandbox: ["--latency", "300ms"])
        defer { world.stop() }
        let fixture = World.repository.appendingPathComponent("Scripts/slapd-fixture.sh").path
        let slapd = world.directory.appendingPathComponent("slapd").path
        var service = try start(world)
        // The server restarts while the daemon is frozen and someone leaves meanwhile: the
        // refresh can only list who is still there, so a complete read finds the departure.
        kill(service, SIGSTOP)
        _ = try World.run(fixture, ["restart", slapd])
        try world.ldapModify("dn: uid=user00002,ou=people,dc=example,dc=com\nchangetype: delete\n")
        kill(service, SIGCONT)
        #expect(try seconds(until: { try world.liveTeam()["user00002@example.com"] == nil }, limit: 15) != nil, "\(log(world))")
        #expect(log(world).contains("lost its connection"), "\(log(world))")
        #expect(log(world).contains("could only list the entries still present"), "\(log(world))")

        // kill -9 while a batch of three creates is under way (the sandbox answers in 300 ms).
        let creates = { try world.sandboxRequests().filter { ($0["method"] as? String) == "POST" && (($0["path"] as? String) ?? "").hasSuffix("/users") }.count }
        let createsBefore = try creates()
        try world.ldapModify("""
            dn: cn=podero-staff,ou=groups,dc=example,dc=com
            changetype: modify
            add: member
            member: uid=user00013,ou=people,dc=example,dc=com
            member: uid=user00014,ou=people,dc=example,dc=com
            member: uid=user00015,ou=people,dc=example,dc=com
            """)
        #expect(try seconds(until: { try creates() > createsBefore }) != nil)
        kill(service, SIGKILL)
        _ = Spawn.wait(service)
        // A cookie of another server, or from the future (slapd answers 53), must not stop the
        // watch either: it is dropped, and a complete read covers what it would have said.
        let forged = try World.run("/usr/bin/env", ["python3", "-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            assert db.execute("SELECT count(*) FROM watch_state WHERE cookie IS NOT NULL").fetchone()[0] == 1
            db.execute("UPDATE watch_state SET cookie = ?", (b"rid=000,csn=29991231000000.000000Z#000000#000#000000",))
            db.commit()
            """, world.journalPath])
        #expect(forged.status == 0, "\(forged.stderr)")
        service = try world.launch(["run", "--log-level", "info"])
        defer { stop(service) }
        #expect(try seconds(until: {
            try ["user00013@example.com", "user00014@example.com", "user00015@example.com"].allSatisfy { try role(world, $0) == "staff" }
        }, limit: 30) != nil, "\(log(world))")
        let emails = try world.sandboxUsers().compactMap { ($0["email"] as? String)?.lowercased() }
        #expect(emails.count == Set(emails).count, "duplicate accounts: \(emails.sorted())")
        #expect(try creates() == createsBefore + 3, "a create was sent twice")
        #expect(try world.cli(["audit", "verify"]).status == 0)
        // The watch goes on after the restart: a change still arrives within the target.
        #expect(seconds(until: { log(world).contains("the stored watch cookie was refused") }) != nil, "\(log(world))")
        #expect(seconds(until: { log(world).contains("directory watch connected") && log(world).contains("cycle finished") }) != nil)
        try world.ldapModify("dn: cn=podero-staff,ou=groups,dc=example,dc=com\nchangetype: modify\nadd: member\nmember: uid=user00016,ou=people,dc=example,dc=com\n")
        #expect(try seconds(until: { try role(world, "user00016@example.com") == "staff" }).map { $0 < Self.target + 0.3 } == true)
    }
}

/// Issue 11 on the Samba AD DC: DirSync, polled every 2 s (target p99 < 3 s). The fixture is
/// shared: every change is undone before the test ends.
@Suite("End to end: the directory watch on Active Directory (DirSync)", .serialized)
struct EndToEndActiveDirectoryWatchTests {
    static let target = 3.0
    static let base = "DC=corp,DC=example,DC=com"
    static let joiner = "CN=Watch Joiner,OU=Staff,\(base)"
    static let contractors = "OU=Contractors,OU=Staff,\(base)"

    private func seconds(until condition: () throws -> Bool, limit: Double = 15) rethrows -> Double? {
        let start = Date()
        while Date().timeIntervalSince(start) < limit {
            if try condition() { return Date().timeIntervalSince(start) }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return try condition() ? Date().timeIntervalSince(start) : nil
    }

    private func log(_ world: World) -> String {
        (try? String(contentsOfFile: world.directory.appendingPathComponent("launch.err").path, encoding: .utf8)) ?? ""
    }

    private func role(_ world: World, _ email: String) throws -> String? { try world.liveTeam()[email]?["role"] as? String }

    @Test("a join, a promotion, a rename, a move, a nested group, a disable and a delete reach Podero within 3 s; check-config says what the bind account may do")
    func dirSync() throws {
        let port = freePort()
        let metrics = "metrics:\n  listen: 127.0.0.1:\(port)"
        let world = try World(.activeDirectory, extraConfig: metrics, sync: "departure_grace: 0s")
        world.adBindDN = "CN=svc-podero-watch,OU=Service Accounts,\(Self.base)"
        try world.writeConfig(extra: metrics, sync: "departure_grace: 0s")
        defer {
            try? world.ldapModify("dn: CN=Podero Admins,OU=Groups,\(Self.base)\nchangetype: modify\ndelete: member\nmember: CN=Person 00006,OU=Staff,\(Self.base)\n")
            try? world.ldapModify("dn: CN=Person 00007 Renamed,OU=Staff,\(Self.base)\nchangetype: modrdn\nnewrdn: CN=Person 00007\ndeleteoldrdn: 1\n")
            try? world.ldapModify("dn: CN=Person 00008,\(Self.contractors)\nchangetype: modrdn\nnewrdn: CN=Person 00008\ndeleteoldrdn: 1\nnewsuperior: OU=Staff,\(Self.base)\n")
            try? world.ldapModify("dn: \(Self.contractors)\nchangetype: delete\n")
            try? world.ldapModify("dn: CN=Podero Admins,OU=Groups,\(Self.base)\nchangetype: modify\ndelete: member\nmember: CN=Team Ops,OU=Groups,\(Self.base)\n")
            try? EndToEndActiveDirectoryTests.setErinAccountControl(world, 512)
            try? world.ldapModify("dn: \(Self.joiner)\nchangetype: delete\n")
            world.stop()
        }
        let checked = try world.cli(["check-config", "--connect"])
        #expect(checked.stdout.contains("DirSync (Active Directory) polled every 2s") && checked.stdout.contains("deletions are seen at once"), "\(checked.stdout)\(checked.stderr)")
        // The plain bind account has neither right: DirSync still works, and says what it misses.
        world.adBindDN = "CN=svc-podero-sync,OU=Service Accounts,\(Self.base)"
        try world.writeConfig(extra: metrics, sync: "departure_grace: 0s")
        let plain = try world.cli(["check-config", "--connect"])
        #expect(plain.stdout.contains("lacks \"Replicating Directory Changes\"") && plain.stdout.contains("deletions wait for the reconcile"), "\(plain.stdout)")
        world.adBindDN = "CN=svc-podero-watch,OU=Service Accounts,\(Self.base)"
        try world.writeConfig(extra: metrics, sync: "departure_grace: 0s")

        let bulk = try #require(Int(ProcessInfo.processInfo.environment["TEAMSYNC_AD_PEOPLE"] ?? ""))
        let service = try world.launch(["run", "--log-level", "info"])
        defer { kill(service, SIGTERM); _ = Spawn.wait(service) }
        #expect(try seconds(until: { try world.liveTeam().count == bulk + 4 }, limit: 60) != nil, "\(log(world))")
        #expect(seconds(until: { log(world).contains("directory watch connected") && log(world).contains("cycle finished") }) != nil, "\(log(world))")
        var latencies: [String: Double?] = [:]
        try world.ldapModify("""
            dn: \(Self.joiner)
            changetype: add
            objectClass: user
            sAMAccountName: watch-joiner
            givenName: Watch
            sn: Joiner
            mail: watch.joiner@corp.example.com
            userAccountControl: 544

            dn: CN=Podero Staff,OU=Groups,\(Self.base)
            changetype: modify
            add: member
            member: \(Self.joiner)
            """)
        latencies["join"] = try seconds(until: { try role(world, "watch.joiner@corp.example.com") == "staff" })
        try world.ldapModify("dn: CN=Podero Admins,OU=Groups,\(Self.base)\nchangetype: modify\nadd: member\nmember: CN=Person 00006,OU=Staff,\(Self.base)\n")
        latencies["promotion"] = try seconds(until: { try role(world, "person00006@corp.example.com") == "admin" })
        let calls = try world.sandboxRequests().count
        try world.ldapModify("dn: CN=Person 00007,OU=Staff,\(Self.base)\nchangetype: modrdn\nnewrdn: CN=Person 00007 Renamed\ndeleteoldrdn: 1\n")
        Thread.sleep(forTimeInterval: 3)
        #expect(try role(world, "person00007@corp.example.com") == "staff")
        // Another change of the renamed person: still staff (DirSync reports the groups of a
        // renamed member; the watch's re-read of the groups that listed the old DN changes nothing).
        try world.ldapModify("dn: CN=Person 00007 Renamed,OU=Staff,\(Self.base)\nchangetype: modify\nreplace: description\ndescription: renamed\n")
        Thread.sleep(forTimeInterval: 3)
        #expect(try role(world, "person00007@corp.example.com") == "staff", "a renamed member lost the role\n\(log(world))")
        var writes = try world.sandboxRequests().dropFirst(calls).filter { !["GET", "POST"].contains($0["method"] as? String ?? "") }
        #expect(writes.isEmpty, "a rename made Podero calls: \(writes)")
        // A move between OUs under the users base: followed by objectGUID, no call.
        try world.ldapModify("dn: \(Self.contractors)\nchangetype: add\nobjectClass: organizationalUnit\nou: Contractors\n")
        try world.ldapModify("dn: CN=Person 00008,OU=Staff,\(Self.base)\nchangetype: modrdn\nnewrdn: CN=Person 00008\ndeleteoldrdn: 1\nnewsuperior: \(Self.contractors)\n")
        Thread.sleep(forTimeInterval: 3)
        #expect(try role(world, "person00008@corp.example.com") == "staff", "a moved member lost the role\n\(log(world))")
        writes = try world.sandboxRequests().dropFirst(calls).filter { !["GET", "POST"].contains($0["method"] as? String ?? "") }
        #expect(writes.isEmpty, "a rename or a move made Podero calls: \(writes)")
        // A nested group into the admins: Team Ops ⊃ Ops Oncall ∋ bob.
        try world.ldapModify("dn: CN=Podero Admins,OU=Groups,\(Self.base)\nchangetype: modify\nadd: member\nmember: CN=Team Ops,OU=Groups,\(Self.base)\n")
        latencies["nested"] = try seconds(until: { try role(world, "bob@corp.example.com") == "admin" })
        try EndToEndActiveDirectoryTests.setErinAccountControl(world, 514)
        latencies["disable"] = try seconds(until: { try world.liveTeam()["erin@corp.example.com"] == nil })
        try world.ldapModify("dn: \(Self.joiner)\nchangetype: delete\n")
        latencies["delete"] = try seconds(until: { try world.liveTeam()["watch.joiner@corp.example.com"] == nil })
        for (change, latency) in latencies.sorted(by: { $0.key < $1.key }) {
            #expect(latency.map { $0 < Self.target } == true, "\(change) took \(latency.map { String($0) } ?? "more than 15") s\n\(log(world))")
        }
        print("DirSync latencies (s): " + latencies.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.3f", ($0.value ?? nil) ?? -1))" }.joined(separator: ", "))
        #expect(!log(world).contains("a complete read is needed"), "\(log(world))")
        let check = try world.cli(["plan", "--check"])
        #expect(check.status == 0, "\(check.stdout)")
        // DirSync sent the changed member values alone (incremental values): those groups were
        // asked about each value, not read whole.
        let reads = try World.run("/usr/bin/curl", ["-s", "http://127.0.0.1:\(port)/metrics"]).stdout
            .split(separator: "\n").filter { $0.hasPrefix("podero_team_sync_watch_group_reads_total") }
        print("DirSync group reads: " + reads.joined(separator: ", "))
        #expect(reads.contains { $0.contains(#"read="value""#) }, "\(reads)")
    }
}

/// A small deterministic generator (SplitMix64), so that a failing random stream can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
