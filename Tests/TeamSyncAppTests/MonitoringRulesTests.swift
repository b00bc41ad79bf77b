import Foundation
import Testing
import TeamSyncCore
@testable import TeamSyncApp

/// config/prometheus: the alert rules are valid, behave as their unit tests say, and name only
/// metrics the daemon really exports.
@Suite("The Prometheus alert rules")
struct MonitoringRulesTests {
    static let directory = World.repository.appendingPathComponent("config/prometheus")
    static let rules = directory.appendingPathComponent("podero-team-sync.rules.yaml").path

    private func promtool(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool") else {
            throw WorldError.fixture("promtool is missing: install the Debian package prometheus (Scripts/test.sh does)")
        }
        return try World.run("/usr/bin/promtool", arguments)
    }

    @Test("promtool check rules and promtool test rules pass")
    func promtoolPasses() throws {
        let checked = try promtool(["check", "rules", Self.rules])
        #expect(checked.status == 0 && checked.stdout.contains("SUCCESS: 6 rules found"), "\(checked.stdout)\(checked.stderr)")
        let tested = try promtool(["test", "rules", Self.directory.appendingPathComponent("podero-team-sync.rules.test.yaml").path])
        #expect(tested.status == 0 && tested.stdout.contains("SUCCESS"), "\(tested.stdout)\(tested.stderr)")
    }

    @Test("every metric the rules name is in the daemon's exposition, which promtool check metrics finds well named")
    func namesExist() throws {
        let metrics = SyncMetrics()
        metrics.started(interval: .seconds(900))
        let outcome = SyncCycle.Outcome(exitStatus: .partialFailure, summary: "1 failed", runID: "r1",
                                        managed: ManagedCounts(live: [.staff: 2], pendingDepartures: 1, needsAttention: 1))
        metrics.record(outcome, duration: .seconds(2), interval: .seconds(900))
        metrics.record(outcome, duration: .seconds(2), interval: .seconds(900))
        metrics.record(SyncCycle.Outcome(exitStatus: .fatal, summary: "directory down", runID: "r2", errorSystem: "directory"),
                       duration: .seconds(1), interval: .seconds(900))
        metrics.watchConnected(false)
        metrics.recordWatch(nil, refused: 3, groupReads: [:])
        let exposition = metrics.exposition()
        // Two partial failures in a row; the fatal cycle after them neither adds nor resets.
        #expect(exposition.contains("podero_team_sync_consecutive_partial_failures 2"), "\(exposition)")
        #expect(exposition.contains("podero_team_sync_needs_attention 1"), "\(exposition)")

        let text = try String(contentsOfFile: Self.rules, encoding: .utf8)
        let named = Set(text.matches(of: /podero_team_sync_[a-z_]+/).map { String($0.output) })
        #expect(named.count >= 8, "\(named)")
        let exported = Set(exposition.split(separator: "\n").filter { !$0.hasPrefix("#") }
            .compactMap { $0.split(whereSeparator: { $0 == "{" || $0 == " " }).first.map(String.init) })
        #expect(named.subtracting(exported).isEmpty, "named in the rules but not exported: \(named.subtracting(exported).sorted())")

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString.prefix(8)).txt")
        try exposition.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        // Lint problems, but for the missing HELP lines: swift-metrics' factory has no help text
        // to give (naming, units, suffixes and types are all checked).
        let linted = try World.run("/bin/sh", ["-c", "/usr/bin/promtool check metrics < '\(file.path)' 2>&1"])
        let problems = linted.stdout.split(separator: "\n").filter { !$0.isEmpty && !$0.hasSuffix("no help text") }
        #expect(problems.isEmpty, "\(linted.stdout)")
    }
}
