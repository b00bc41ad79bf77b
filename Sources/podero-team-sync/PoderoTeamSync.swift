import ArgumentParser
import BuildInfo
import TeamSyncApp

/// `podero-team-sync`: keeps a Podero team in step with an LDAP or Active Directory directory.
@main
struct PoderoTeamSync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "podero-team-sync",
        abstract: "Keep a Podero team (admin and staff accounts) in step with an LDAP or Active Directory directory.",
        discussion: """
            Exit statuses: 0 success or in sync, 1 fatal at run time (nothing deleted), 2 plan --check found drift,
            3 partial failure, 4 a safety limit refused the deletions, 64 usage error, 78 configuration error.
            The configuration file is --config, else $PODERO_TEAM_SYNC_CONFIG, else /etc/podero-team-sync/config.yaml.
            """,
        version: BuildInfo.version,
        subcommands: [CheckConfigCommand.self, PlanCommand.self, SyncCommand.self, RunCommand.self, StatusCommand.self, ReviewCommand.self,
                      ExplainCommand.self, AuditCommand.self, ApproveCommand.self, RejectCommand.self])

    /// Hardens the process before anything is read (no core dumps: issue 15 #12), then runs the command.
    static func main() async {
        ProcessHardening.apply()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
