import Foundation
import Testing

@Suite("The systemd unit")
struct SystemdUnitTests {
    static let unit = World.repository.appendingPathComponent("systemd/podero-team-sync.service").path

    @Test("systemd-analyze security rates it 1.2 or better, keeping the network it needs; no core files, bounded memory (issue 15 #25)")
    func security() throws {
        let result = try World.run("/usr/bin/systemd-analyze", ["security", "--offline=true", "--no-pager", Self.unit])
        let line = try #require(result.stdout.split(separator: "\n").first { $0.contains("Overall exposure level") }, "\(result.stdout)\(result.stderr)")
        let score = line.split(separator: ":").last.flatMap { Double($0.trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "") }
        #expect(score != nil && score! <= 1.2, "\(line)")
        let text = try String(contentsOfFile: Self.unit, encoding: .utf8)
        for directive in ["Type=notify", "DynamicUser=yes", "StateDirectory=podero-team-sync", "WatchdogSec=", "Restart=on-failure",
                          "LoadCredential=ldap-bind-password:", "LoadCredential=podero-client-secret:", "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
                          "LimitCORE=0", "MemoryMax="] {
            #expect(text.contains(directive), "\(directive)")
        }
    }

    @Test("systemd-analyze verify is clean (with ExecStart pointing at the built binary)")
    func verify() throws {
        let text = try String(contentsOfFile: Self.unit, encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin/podero-team-sync", with: World.binaries.appendingPathComponent("podero-team-sync").path)
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("unit-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: copy) }
        let path = copy.appendingPathComponent("podero-team-sync.service").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try World.run("/usr/bin/systemd-analyze", ["verify", "--man=no", path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty && result.stdout.isEmpty, "\(result.stdout)\(result.stderr)")
    }
}
