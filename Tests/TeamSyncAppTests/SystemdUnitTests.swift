import Foundation
import Testing

@Suite("The systemd unit")
struct SystemdUnitTests {
    static let unit = World.repository.appendingPathComponent("systemd/podero-team-sync.service").path
    static let template = World.repository.appendingPathComponent("systemd/podero-team-sync@.service").path
    static let review = World.repository.appendingPathComponent("systemd/podero-team-sync-review.service").path
    static let reviewTimer = World.repository.appendingPathComponent("systemd/podero-team-sync-review.timer").path

    /// A unit's lines without comments and blank lines.
    static func directives(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
            .filter { !$0.hasPrefix("#") && !$0.isEmpty }
    }

    @Test("systemd-analyze security rates it 1.2 or better, keeping the network it needs; no core files, bounded memory (issue 15 #25)")
    func security() throws {
        let result = try World.run("/usr/bin/systemd-analyze", ["security", "--offline=true", "--no-pager", Self.unit])
        let line = try #require(result.stdout.split(separator: "\n").first { $0.contains("Overall exposure level") }, "\(result.stdout)\(result.stderr)")
        let score = line.split(separator: ":").last.flatMap { Double($0.trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "") }
        #expect(score != nil && score! <= 1.2, "\(line)")
        let text = try String(contentsOfFile: Self.unit, encoding: .utf8)
        for directive in ["Type=notify", "User=podero-team-sync", "StateDirectory=podero-team-sync", "WatchdogSec=", "Restart=on-failure",
                          "LoadCredential=ldap-bind-password:", "LoadCredential=podero-client-secret:", "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
                          "LimitCORE=0", "MemoryMax="] {
            #expect(text.contains(directive), "\(directive)")
        }
    }

    @Test("systemd-analyze verify is clean for both units (with ExecStart pointing at the built binary)")
    func verify() throws {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("unit-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: copy) }
        for source in [Self.unit, Self.template, Self.review, Self.reviewTimer] {
            let text = try String(contentsOfFile: source, encoding: .utf8)
                .replacingOccurrences(of: "/usr/bin/podero-team-sync", with: World.binaries.appendingPathComponent("podero-team-sync").path)
            let name = URL(fileURLWithPath: source).lastPathComponent
            try text.write(toFile: copy.appendingPathComponent(name).path, atomically: true, encoding: .utf8)
        }
        for unit in ["podero-team-sync.service", "podero-team-sync@sandbox.service", "podero-team-sync-review.service", "podero-team-sync-review.timer"] {
            // An instance is verified through the template beside it.
            let result = try World.run("/usr/bin/systemd-analyze", ["verify", "--man=no", copy.appendingPathComponent(unit).path])
            #expect(result.status == 0 && result.stderr.isEmpty && result.stdout.isEmpty, "\(unit): \(result.stdout)\(result.stderr)")
        }
    }

    @Test("the template is the plain unit but for the instance's configuration, journal and secrets")
    func template() throws {
        let plain = try Self.directives(Self.unit)
        let template = try Self.directives(Self.template)
        #expect(template.contains("ExecStart=/usr/bin/podero-team-sync run --config /etc/podero-team-sync/%i.yaml"))
        #expect(template.contains("StateDirectory=podero-team-sync/%i"))
        #expect(template.contains("LoadCredential=ldap-bind-password:/etc/podero-team-sync/%i/ldap-password"))
        #expect(template.contains("LoadCredential=podero-client-secret:/etc/podero-team-sync/%i/client-secret"))
        let asPlain = template.map {
            $0.replacingOccurrences(of: "/etc/podero-team-sync/%i.yaml", with: "/etc/podero-team-sync/config.yaml")
                .replacingOccurrences(of: "/etc/podero-team-sync/%i/", with: "/etc/podero-team-sync/")
                .replacingOccurrences(of: "StateDirectory=podero-team-sync/%i", with: "StateDirectory=podero-team-sync")
                .replacingOccurrences(of: "Podero team sync for %i (", with: "Podero team sync (")
        }
        #expect(asPlain == plain, "the template's hardening and limits must stay the plain unit's")
        let result = try World.run("/usr/bin/systemd-analyze", ["security", "--offline=true", "--no-pager", Self.template])
        let line = result.stdout.split(separator: "\n").first { $0.contains("Overall exposure level") } ?? ""
        let score = line.split(separator: ":").last.flatMap { Double($0.trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "") }
        #expect(score != nil && score! <= 1.2, "\(result.stdout)\(result.stderr)")
    }

    @Test("the monthly review: a oneshot hardened like the service, writing HTML and CSV to the state directory; a persistent timer")
    func reviewUnits() throws {
        let service = try Self.directives(Self.review)
        let plain = try Self.directives(Self.unit)
        #expect(service.contains("Type=oneshot"))
        let exec = try #require(service.first { $0.hasPrefix("ExecStart=") })
        #expect(exec.contains(" review ") && exec.contains("--html %S/podero-team-sync/review.html") && exec.contains("--csv --output %S/podero-team-sync/review.csv"))
        // Everything from the user to the system-call filter is the service's, line for line.
        let shared = plain.drop { !$0.hasPrefix("User=") }.prefix { !$0.hasPrefix("[Install]") }
        #expect(Array(service.drop { !$0.hasPrefix("User=") }) == Array(shared))
        let timer = try Self.directives(Self.reviewTimer)
        #expect(timer.contains("OnCalendar=monthly") && timer.contains("Persistent=true") && timer.contains("WantedBy=timers.target"))
        let result = try World.run("/usr/bin/systemd-analyze", ["security", "--offline=true", "--no-pager", Self.review])
        let line = result.stdout.split(separator: "\n").first { $0.contains("Overall exposure level") } ?? ""
        let score = line.split(separator: ":").last.flatMap { Double($0.trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "") }
        #expect(score != nil && score! <= 1.2, "\(result.stdout)\(result.stderr)")
    }
}
