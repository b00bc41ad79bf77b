import Foundation
import SyncJournal
import TeamSyncCore
import Testing

/// A local webhook receiver: answers the first `failFirst` POSTs with 500, then 200, and writes
/// one JSON line per POST ({"path", "body"}) to `log`.
final class WebhookReceiver {
    let port = freePort()
    let log: String
    private let pid: pid_t

    static let program = """
        import json, sys
        from http.server import BaseHTTPRequestHandler, HTTPServer
        port, log, fail = int(sys.argv[1]), sys.argv[2], [int(sys.argv[3])]
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                with open(log, "a") as f:
                    f.write(json.dumps({"path": self.path, "body": body}) + "\\n")
                status = 500 if fail[0] > 0 else 200
                fail[0] -= 1
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            def log_message(self, *args):
                pass
        HTTPServer(("127.0.0.1", port), Handler).serve_forever()
        """

    init(directory: URL, failFirst: Int) throws {
        log = directory.appendingPathComponent("webhook.log").path
        pid = try Spawn.start("/usr/bin/env", ["python3", "-c", Self.program, "\(port)", log, "\(failFirst)"])
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, (try? World.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "http://127.0.0.1:\(port)/"]))?.status != 0 {
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// Every POST so far.
    var posts: [(path: String, body: [String: Any])] {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String],
                  let body = try? JSONSerialization.jsonObject(with: Data((object["body"] ?? "").utf8)) as? [String: Any]
            else { return nil }
            return (object["path"] ?? "", body)
        }
    }

    func stop() {
        kill(pid, SIGTERM)
        _ = Spawn.wait(pid)
    }
}

@Suite("End to end: notify.webhook_url against a local receiver", .serialized)
struct EndToEndNotifyTests {
    @Test("a held set and a failed run are posted (a 500 is retried), the secret part of the URL never shows; a receiver that is down does not change the run's outcome and delays the exit boundedly")
    func webhook() async throws {
        let world = try World(sync: "max_deletions: 2\nmax_deletion_percent: 100")
        defer { world.stop() }
        let receiver = try WebhookReceiver(directory: world.directory, failFirst: 1)
        defer { receiver.stop() }
        let secret = "T0001/B0002/hookSECRETpart"
        try world.writeSecret("webhook-secret", secret)
        let notify = "notify:\n  webhook_url: http://127.0.0.1:\(receiver.port)/services/{secret}\n  webhook_secret_file: \(world.directory.appendingPathComponent("webhook-secret").path)"
        try world.writeConfig(extra: notify, sync: "max_deletions: 2\nmax_deletion_percent: 100")
        #expect(try world.cli(["sync"]).status == 0)
        #expect(receiver.posts.isEmpty, "nothing worth telling")

        let journal = try #require(try SyncJournal.openReadOnly(path: world.journalPath))
        for dn in try await journal.managedAccounts().filter({ $0.state == .active }).prefix(3).compactMap(\.lastDN) {
            try world.ldapModify("dn: \(dn)\nchangetype: delete\n")
        }
        let refused = try world.cli(["sync", "--log-level", "trace"])
        #expect(refused.status == 4, "\(refused.stdout)\(refused.stderr)")
        #expect(!(refused.stdout + refused.stderr).contains("hookSECRET"), "the secret in the output")
        #expect(refused.stderr.contains("msg=notified event=held host=http://127.0.0.1:\(receiver.port)"), "\(refused.stderr)")
        let held = receiver.posts.filter { ($0.body["event"] as? String) == "held" }
        #expect(held.count == 2, "one 500, then accepted: \(receiver.posts.map(\.body))")
        #expect(held.allSatisfy { $0.path == "/services/\(secret)" })
        let status = try world.cli(["status", "--json"]).stdout
        let heldID = try #require(((try JSONSerialization.jsonObject(with: Data(status.utf8)) as? [String: Any])?["held"] as? [[String: Any]])?.first?["id"] as? String)
        #expect(held.last?.body["held_id"] as? String == heldID)
        #expect((held.last?.body["counts"] as? [String: Int])?["people"] == 3)
        #expect((held.last?.body["text"] as? String)?.contains("podero-team-sync approve \(heldID)") == true)

        // A failed run: the directory is unreachable.
        let config = try String(contentsOfFile: world.configPath, encoding: .utf8)
        try config.replacingOccurrences(of: world.ldapURL, with: "ldap://127.0.0.1:9").write(toFile: world.configPath, atomically: true, encoding: .utf8)
        let failed = try world.cli(["sync"])
        #expect(failed.status == 1)
        #expect(receiver.posts.contains { ($0.body["event"] as? String) == "run_failed" && ($0.body["counts"] as? [String: Int])?["exit_code"] == 1 })

        // The receiver is gone: the run's outcome is the same, and the exit waits at most ~10 s.
        receiver.stop()
        let started = Date()
        let unheard = try world.cli(["sync"])
        let took = Date().timeIntervalSince(started)
        #expect(unheard.status == 1 && took < 25, "took \(took) s")
        #expect(unheard.stderr.contains("notify.webhook_url: the notification was not accepted; given up") || unheard.stderr.contains("not sent before exit"), "\(unheard.stderr)")
        #expect(!unheard.stderr.contains("hookSECRET"))
        print("webhook: a sync whose receiver is down exits after \(String(format: "%.1f", took)) s")
    }
}

