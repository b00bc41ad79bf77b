import Foundation
import Testing

@Suite("End to end: the run service, the command line, and secrets", .serialized)
struct EndToEndServiceTests {
    private func waitUntil(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return try condition()
    }

    private func http(_ url: String) throws -> (Int, String) {
        let result = try World.run("/usr/bin/curl", ["-s", "-w", "\n%{http_code}", url])
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    @Test("run: syncs at start, picks up a change on SIGUSR1, survives a broken reload, reports to systemd, stops on SIGTERM")
    func service() throws {
        let port = freePort()
        let world = try World(extraConfig: "metrics:\n  listen: 127.0.0.1:\(port)")
        defer { world.stop() }
        let notify = try NotifySocket(directory: world.directory)
        defer { notify.close() }
        let service = try world.launch(["run", "--log-level", "debug"], environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "1000000"])
        var stopped = false
        defer { if !stopped { kill(service, SIGKILL); _ = Spawn.wait(service) } }

        #expect(try waitUntil(20) { try world.liveTeam().count == EndToEndSyncTests.desired })
        #expect(try waitUntil(5) { try http("http://127.0.0.1:\(port)/healthz").0 == 200 })
        // Issue 15 #12: the process holding both secrets never writes a core file.
        let limits = try String(contentsOfFile: "/proc/\(service)/limits", encoding: .utf8)
        #expect(limits.split(separator: "\n").contains { $0.hasPrefix("Max core file size") && $0.split(separator: " ").dropFirst(4).prefix(2) == ["0", "0"] }, "\(limits)")
        let metrics = try http("http://127.0.0.1:\(port)/metrics").1
        #expect(metrics.contains("podero_team_sync_last_success_timestamp_seconds"))
        #expect(metrics.contains(#"podero_team_sync_actions_total{kind="create",outcome="ok"} 11"#))
        #expect(metrics.contains(#"podero_team_sync_managed_accounts{role="admin"} 4"#))
        #expect(metrics.contains("podero_team_sync_run_duration_seconds"))

        try world.ldapModify("""
            dn: cn=podero-staff,ou=groups,dc=example,dc=com
            changetype: modify
            add: member
            member: uid=user00011,ou=people,dc=example,dc=com
            """)
        kill(service, SIGUSR1)  // a sync now, without waiting for sync.interval (1m)
        #expect(try waitUntil(10) { try world.liveTeam()["user00011@example.com"] != nil })

        let valid = try String(contentsOfFile: world.configPath, encoding: .utf8)
        try "version: 1\ndirectory: [broken\n".write(toFile: world.configPath, atomically: true, encoding: .utf8)
        kill(service, SIGHUP)
        let log = world.directory.appendingPathComponent("launch.err").path
        #expect(try waitUntil(5) { (try String(contentsOfFile: log, encoding: .utf8)).contains("configuration not reloaded") })
        #expect(Spawn.isRunning(service))
        try valid.write(toFile: world.configPath, atomically: true, encoding: .utf8)
        kill(service, SIGHUP)
        #expect(try waitUntil(5) { (try String(contentsOfFile: log, encoding: .utf8)).contains("configuration reloaded") })
        try world.ldapModify("""
            dn: cn=podero-staff,ou=groups,dc=example,dc=com
            changetype: modify
            add: member
            member: uid=user00012,ou=people,dc=example,dc=com
            """)
        kill(service, SIGUSR1)
        #expect(try waitUntil(10) { try world.liveTeam()["user00012@example.com"] != nil })

        let clock = ContinuousClock()
        let start = clock.now
        kill(service, SIGTERM)
        let status = Spawn.wait(service)
        stopped = true
        #expect(status == 0)
        #expect(clock.now - start < .seconds(8))
        let messages = notify.drain()
        #expect(messages.first == "READY=1")
        #expect(messages.contains { $0.hasPrefix("STATUS=run: did 11 create") })
        #expect(messages.contains("WATCHDOG=1"))
        #expect(messages.contains("STOPPING=1"))
        #expect(!messages.drop { $0 != "STOPPING=1" }.dropFirst().contains("READY=1"))
    }

    @Test("issue 13: the watchdog means the loop is alive: a directory that stops answering mid-cycle (SIGSTOP) silences the pings; they resume when it answers")
    func watchdogFollowsProgress() throws {
        let world = try World()
        defer { world.stop() }
        // A directory timeout far beyond the stall below, so that only the stall is seen.
        let config = try String(contentsOfFile: world.configPath, encoding: .utf8)
        let patient = config.replacingOccurrences(of: "  timeout: 5s\n  page_size: 7", with: "  timeout: 60s\n  page_size: 7")
        #expect(patient != config)
        try patient.write(toFile: world.configPath, atomically: true, encoding: .utf8)
        let notify = try NotifySocket(directory: world.directory)
        defer { notify.close() }
        // 2 s: a ping every 500 ms while alive; silent once busy work has not beaten for 1 s.
        let service = try world.launch(["run"], environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "2000000"])
        defer { kill(service, SIGKILL); _ = Spawn.wait(service) }
        #expect(try waitUntil(20) { try world.liveTeam().count == EndToEndSyncTests.desired })
        // `drain()` answers every message so far: what came after a mark is `dropFirst(mark)`.
        #expect(waitUntil(10) { notify.drain().contains { $0.hasPrefix("STATUS=") } })
        var mark = notify.drain().count
        Thread.sleep(forTimeInterval: 1.2)
        #expect(notify.drain().dropFirst(mark).contains("WATCHDOG=1"), "idle between cycles is alive")

        let pidText = try String(contentsOf: world.directory.appendingPathComponent("slapd/slapd.pid"), encoding: .utf8)
        let slapd = try #require(pid_t(pidText.trimmingCharacters(in: .whitespacesAndNewlines)))
        kill(slapd, SIGSTOP)  // accepts connections (the kernel does), answers nothing
        var continued = false
        defer { if !continued { kill(slapd, SIGCONT) } }
        kill(service, SIGUSR1)  // a cycle now: it gets stuck in its first directory call
        Thread.sleep(forTimeInterval: 2.0)
        mark = notify.drain().count
        Thread.sleep(forTimeInterval: 3.0)
        let stalled = Array(notify.drain().dropFirst(mark))
        #expect(!stalled.contains("WATCHDOG=1"), "no pings while stuck: \(stalled)")
        #expect(Spawn.isRunning(service))
        let log = world.directory.appendingPathComponent("launch.err").path
        #expect(try String(contentsOfFile: log, encoding: .utf8).contains("no progress for half the watchdog interval"))

        mark = notify.drain().count
        kill(slapd, SIGCONT)
        continued = true
        #expect(waitUntil(15) {
            notify.drain().dropFirst(mark).drop { !$0.hasPrefix("STATUS=") }.contains("WATCHDOG=1")
        }, "the cycle finishes and the pings resume: \(notify.drain().dropFirst(mark))")
    }

    @Test("/healthz is 503 before the first completed cycle and while the directory cannot be read")
    func unhealthy() throws {
        let port = freePort()
        let world = try World(extraConfig: "metrics:\n  listen: 127.0.0.1:\(port)")
        defer { world.stop() }
        try world.writeSecret("ldap-password", "wrong")
        let service = try world.launch(["run"])
        defer { kill(service, SIGTERM); _ = Spawn.wait(service) }
        #expect(try waitUntil(10) { try http("http://127.0.0.1:\(port)/healthz").0 == 503 })
        #expect(try waitUntil(5) { try http("http://127.0.0.1:\(port)/metrics").1.contains(#"podero_team_sync_errors_total{system="directory"}"#) })
        #expect(Spawn.isRunning(service))  // a failed cycle never crashes the service
    }

    @Test("exit statuses of the command line: 78 for a bad file, 64 for bad usage, 1 when --connect fails")
    func exitStatuses() throws {
        let world = try World()
        defer { world.stop() }
        #expect(try world.cli(["check-config"]).status == 0)
        #expect(try world.cli(["check-config", "--connect"]).status == 0)
        let valid = try String(contentsOfFile: world.configPath, encoding: .utf8)
        try valid.replacingOccurrences(of: "org_id: \(World.orgID)", with: "org_id: acme").appending("\nbogus: 1\n")
            .write(toFile: world.configPath, atomically: true, encoding: .utf8)
        let bad = try world.cli(["check-config"])
        #expect(bad.status == 78)
        #expect(bad.stderr.split(separator: "\n").contains { $0.hasPrefix("podero.org_id: must be a UUID") && $0.hasSuffix(")") })
        #expect(bad.stderr.split(separator: "\n").contains { $0.hasPrefix("bogus: unknown key") })
        #expect(try world.cli(["sync"]).status == 78)
        #expect(try world.cli(["sync", "--max-deletions", "-3"]).status == 64)
        #expect(try world.cli(["frobnicate"]).status == 64)
        // Against a closed port each attempt waits out podero.timeout (the HTTP client retries the
        // connection until then): 1 s instead of 5 s keeps the six attempts short.
        let impatient = valid.replacingOccurrences(of: "  timeout: 5s\n  max_concurrency", with: "  timeout: 1s\n  max_concurrency")
        #expect(impatient != valid)
        try impatient.write(toFile: world.configPath, atomically: true, encoding: .utf8)
        world.stopSandbox()
        let connect = try world.cli(["check-config", "--connect"])
        #expect(connect.status == 1)
        #expect(connect.stderr.contains("podero:"))
        #expect(!connect.stderr.contains("directory:"))
    }

    @Test("issue 15 #10 and #19: status and audit need no secret; audit export never replaces a device or follows a link, and a full disk is exit 1")
    func auditOutputs() throws {
        let world = try World()
        defer { world.stop() }
        #expect(try world.cli(["sync"]).status == 0)
        // The journal-only commands work with both secret files gone.
        for name in ["ldap-password", "client-secret"] {
            try FileManager.default.removeItem(at: world.directory.appendingPathComponent(name))
        }
        #expect(try world.cli(["status"]).status == 0)
        #expect(try world.cli(["audit", "verify"]).status == 0)
        #expect(try world.cli(["audit", "export"]).stdout.contains("run_finished"))
        #expect(try world.cli(["sync"]).status == 78)  // a sync still needs them
        // Devices and links are refused before anything is written.
        let device = try world.cli(["audit", "export", "--output", "/dev/null"])
        #expect(device.status == 1 && device.stderr.contains("--output /dev/null is not a regular file"), "\(device.stderr)")
        var info = stat()
        #expect(stat("/dev/null", &info) == 0 && info.st_mode & S_IFMT == S_IFCHR)
        let target = world.directory.appendingPathComponent("precious").path
        try "keep me\n".write(toFile: target, atomically: true, encoding: .utf8)
        let link = world.directory.appendingPathComponent("export-link").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let linked = try world.cli(["audit", "export", "--output", link])
        #expect(linked.status == 1 && linked.stderr.contains("is a symbolic link"), "\(linked.stderr)")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep me\n")
        // A regular file gets the export, mode 0600.
        let file = world.directory.appendingPathComponent("export.jsonl").path
        #expect(try world.cli(["audit", "export", "--output", file]).status == 0)
        #expect((try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int) == 0o600)
        // A full disk (stdout on /dev/full): a clear message and exit 1, not a trap.
        let binary = World.binaries.appendingPathComponent("podero-team-sync").path
        let full = try World.run("/bin/sh", ["-c", "exec \"$0\" audit export --config \"$1\" > /dev/full", binary, world.configPath])
        #expect(full.status == 1, "\(full.status) \(full.stderr)")
        #expect(full.stderr.contains("No space left on device"), "\(full.stderr)")
    }

    @Test("no secret in any output at debug level, in the journal file or in an export")
    func secrets() throws {
        let world = try World()
        defer { world.stop() }
        var outputs: [String] = []
        for arguments in [["check-config", "--connect"], ["plan", "--json"], ["sync", "--dry-run"], ["sync"], ["status", "--json"], ["audit", "export"], ["audit", "export", "--format", "csv"]] {
            let result = try world.cli(arguments + ["--log-level", "trace"])
            outputs.append(result.stdout + result.stderr)
        }
        let journal = [world.journalPath, world.journalPath + "-wal"].compactMap { FileManager.default.contents(atPath: $0) }
            .map { String(decoding: $0, as: UTF8.self) }
        let tokens = (try? String(contentsOfFile: world.directory.appendingPathComponent("sandbox.json").path, encoding: .utf8)) ?? ""
        for secret in ["sync-secret", "sandbox-client-secret", "c2FuZGJveC1jbGllbnQtc2VjcmV0"] {  // the last: base64 in Basic auth
            #expect(!outputs.joined().contains(secret), "\(secret) in command output")
            #expect(!journal.joined().contains(secret), "\(secret) in the journal")
            #expect(!tokens.contains(secret))
        }
        #expect(!outputs.joined().contains("Bearer "))
    }
}
