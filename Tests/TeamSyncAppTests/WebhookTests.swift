import Foundation
import TeamSyncCore
import Testing
@testable import TeamSyncApp

@Suite("notify.webhook_url: the key, and what is posted")
struct WebhookTests {
    private func load(_ notify: String, environment: [String: String] = [:]) -> (WebhookSettings?, [String]) {
        let yaml = ConfigurationTests.valid + "\nnotify:\n" + notify
        do {
            return (try ConfigurationLoader(environment: environment).parse(yaml).webhook, [])
        } catch let error as ConfigurationError {
            return (nil, error.problems.map(\.description))
        } catch {
            return (nil, ["\(error)"])
        }
    }

    @Test("https, or http to a loopback address; {secret} filled from notify.webhook_secret_file, else the credential; only the host is shown")
    func settings() throws {
        let secret = ConfigurationTests.directory.appendingPathComponent("webhook-secret")
        try "T000/B000/abcDEF123\n".write(to: secret, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: secret.path)
        let (filled, problems) = load("  webhook_url: https://hooks.slack.com/services/{secret}\n  webhook_secret_file: \(secret.path)")
        #expect(problems.isEmpty, "\(problems)")
        #expect(filled?.url.exposedValue == "https://hooks.slack.com/services/T000/B000/abcDEF123")
        #expect(filled?.host == "https://hooks.slack.com" && "\(filled?.url as Any)".contains("abcDEF") == false)

        let (credential, none) = load("  webhook_url: https://example.com/hook/{secret}", environment: ["CREDENTIALS_DIRECTORY": ConfigurationTests.directory.path])
        #expect(none.isEmpty && credential?.url.exposedValue == "https://example.com/hook/T000/B000/abcDEF123", "\(none)")

        #expect(load("  webhook_url: http://hooks.example.com/x").1.contains { $0.hasPrefix("notify.webhook_url: must be https (http only to a loopback address)") })
        #expect(load("  webhook_url: http://127.0.0.1:9/x").1.isEmpty)
        #expect(load("  webhook_url: https://user:pw@example.com/x").1.contains { $0.contains("must not hold a user or password") })
        #expect(load("  webhook_url: not a url").1.contains { $0.hasPrefix("notify.webhook_url: must be an https URL") })
        #expect(load("  webhook_url: https://example.com/{secret}").1.contains { $0.hasPrefix("notify.webhook_secret_file: is required") })
        #expect(load("  webhook_url: https://example.com/x\n  colour: red").1.contains { $0.contains("notify.colour") })

        try "a?b=c\n".write(to: secret, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: secret.path)
        let bad = load("  webhook_url: https://example.com/{secret}\n  webhook_secret_file: \(secret.path)").1
        #expect(bad.contains { $0.hasPrefix("notify.webhook_secret_file: must be the URL's secret part") }, "\(bad)")
        #expect(!bad.joined().contains("a?b=c"), "the secret is never in a message")
    }

    @Test("the events of a run: a held set, one per blocked restore, a failed run (not again while failures repeat); text Slack cannot turn into a mention")
    func events() throws {
        var set = HeldSet(id: "3fa2c1d0", since: Date(), reason: "3 people would be removed, more than sync.max_deletions (2)", people: [])
        set.people = [HeldSet.Person(externalID: ExternalID("a"), email: "a@example.com", role: .admin, why: "gone"),
                      HeldSet.Person(externalID: ExternalID("b"), email: "b@example.com", role: .staff, why: "gone")]
        var outcome = SyncCycle.Outcome(exitStatus: .safetyRefused, summary: "sync: …", runID: "r")
        outcome.held = set
        let events = WebhookEvent.events(for: outcome, command: "sync")
        #expect(events.map(\.kind) == [.held])
        let body = try #require(try JSONSerialization.jsonObject(with: Data(events[0].body.utf8)) as? [String: Any])
        #expect(body["event"] as? String == "held" && body["held_id"] as? String == "3fa2c1d0")
        #expect((body["counts"] as? [String: Int]) == ["people": 2, "admin": 1, "staff": 1])
        #expect((body["text"] as? String)?.contains("podero-team-sync approve 3fa2c1d0") == true)

        // One per blocked restore, naming the person and the account in the way.
        let blocked = [Fixture.managed("carol", state: .restoreBlocked(since: Date(), blockedBy: "p-old-carol")), Fixture.managed("dave")]
        let restores = WebhookEvent.events(for: SyncCycle.Outcome(exitStatus: .success, summary: "ok", runID: "r"), command: "run", blocked: blocked)
        #expect(restores.map(\.kind) == [.restoreBlocked])
        #expect(restores.first?.summary.contains("carol@example.com (carol) is back in the directory") == true)
        #expect(restores.first?.summary.contains("the soft-deleted Podero account p-old-carol") == true)

        let failed = SyncCycle.Outcome(exitStatus: .fatal, summary: "sync: nothing was changed: group <!channel> & co\nnext", runID: "r")
        let failure = try #require(WebhookEvent.events(for: failed, command: "sync").first)
        #expect(failure.kind == .runFailed)
        let text = try #require((try JSONSerialization.jsonObject(with: Data(failure.body.utf8)) as? [String: Any])?["text"] as? String)
        #expect(text.contains("&lt;!channel&gt; &amp; co") && !text.contains("<!channel>") && !text.contains("\n"), "\(text)")
        #expect(WebhookEvent.events(for: failed, command: "run", reportFailure: false).isEmpty)
        #expect(WebhookEvent.events(for: SyncCycle.Outcome(exitStatus: .success, summary: "in sync", runID: "r"), command: "sync").isEmpty)
    }
}

@Suite("plan --out files: the digest and the checks of sync --plan")
struct PlanFileTests {
    private func file(_ configuration: AppConfiguration, madeAt: Date = Date()) -> PlanFile {
        let action = PlanAction(person: ExternalID("alice"), email: "alice@example.com", reason: "left\tthe\ncompany",
            change: .softDelete(Fixture.managed("alice")))
        let preview = SyncCycle.Preview(plan: Plan(actions: [action]), refusals: [], matchedCount: 10, groups: nil)
        return PlanFile(preview: preview, configuration: configuration, journalID: "j-1", now: madeAt)
    }

    @Test("written and read back, the digest holds; any edit, another organisation, configuration or journal, an old or future file is refused")
    func checks() throws {
        var configuration = try ConfigurationLoader(environment: [:]).parse(ConfigurationTests.valid)
        configuration.sourceDigest = "abc123"
        let made = file(configuration)
        let path = ConfigurationTests.directory.appendingPathComponent("plan-\(UUID().uuidString.prefix(6)).json").path
        let preview = SyncCycle.Preview(plan: Plan(actions: []), refusals: [], matchedCount: 10, groups: nil)
        try made.render(preview).write(toFile: path, atomically: true, encoding: .utf8)
        let loaded = try PlanFile.load(path: path)
        #expect(loaded == made)
        #expect(loaded.listed.accounts == [ExternalID("alice"): "p-alice"])
        try loaded.check(configuration: configuration, journalID: "j-1")

        func refusal(_ body: () throws -> Void) -> String {
            do { try body() } catch { return "\(error)" }
            return ""
        }
        #expect(refusal { try loaded.check(configuration: configuration, journalID: "j-2") }.contains("another journal"))
        var other = configuration
        other.podero.orgID = "00000000-0000-0000-0000-000000000000"
        #expect(refusal { try loaded.check(configuration: other, journalID: "j-1") }.contains("another organisation"))
        other = configuration
        other.sourceDigest = "def456"
        #expect(refusal { try loaded.check(configuration: other, journalID: "j-1") }.contains("another configuration"))
        #expect(refusal { try file(configuration, madeAt: Date().addingTimeInterval(-86_401)).check(configuration: configuration, journalID: "j-1") }
            .contains("more than sync.plan_max_age (1d) ago"))
        #expect(refusal { try file(configuration, madeAt: Date().addingTimeInterval(3_600)).check(configuration: configuration, journalID: "j-1") }
            .contains("in the future"))

        let text = try String(contentsOfFile: path, encoding: .utf8)
        for (from, to) in [("p-alice", "p-bob"), ("\"soft_delete\"", "\"hard_delete\""), ("j-1", "j-2")] {
            try text.replacingOccurrences(of: from, with: to).write(toFile: path, atomically: true, encoding: .utf8)
            #expect(refusal { _ = try PlanFile.load(path: path) }.contains("was changed after plan --out wrote it"), "\(from)")
        }
        try "[1, 2]".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(refusal { _ = try PlanFile.load(path: path) }.contains("is not a plan file"))
    }
}
