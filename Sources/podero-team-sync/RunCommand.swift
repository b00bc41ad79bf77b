import ArgumentParser
import TeamSyncApp

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "The long-running service for systemd (Type=notify): a sync every sync.interval, and changes as they happen.",
        discussion: """
            Between the full reconciles, sync.watch (default auto) follows the directory with RFC 4533 syncrepl \
            where the server offers it (OpenLDAP with syncprov), or DirSync on Active Directory (polled every \
            directory.dirsync_poll): a change reaches Podero within about a second (3 s with DirSync), \
            planned for the people it touches, with max_deletions, max_deletion_percent and max_deletions_per_day \
            held over any window of one sync.interval (departures beyond them wait for sync --max-deletions N). \
            With directory.accesslog_base (OpenLDAP's accesslog overlay) a changed group's added and removed \
            members are read from the log, not all its members. \
            `status` shows the watch; check-config --connect says which watch the server allows.

            SIGHUP reloads the configuration (a bad file is reported and the old one kept); SIGUSR1 starts a sync \
            now (systemctl kill -s USR1 podero-team-sync), without waiting for sync.interval; SIGTERM and SIGINT \
            finish the action in flight, record it, and exit 0. With metrics.listen set, /metrics (Prometheus) \
            and /healthz are served while the service runs.
            """)

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let environment = try global.environment()
        let status = await SyncService(environment: environment, configPath: global.config, logLevel: global.level).run()
        if status != .success { try finish(status) }
    }
}
