import Foundation
import LDAPDirectory
import PoderoAPI
import SyncJournal
import TeamSyncCore

/// The whole configuration file, validated, with secrets read.
package struct AppConfiguration: Sendable {
    package var directory: LDAPSettings
    package var rules: [RoleRule]
    package var podero: PoderoSettings
    package var policy: SyncPolicy
    /// `sync.interval`: time between two syncs of `run`.
    package var interval: Duration
    /// `sync.max_run_time`: no action is started after this long; a read that takes longer
    /// fails the run before any write.
    package var maxRunTime: Duration = Defaults.maxRunTime
    /// `sync.watch`: how `run` follows directory changes between full reconciles.
    package var watch: WatchMode = .auto
    /// `sync.watch_debounce`: how long `run` waits after a change for more before applying.
    package var watchDebounce: Duration = Defaults.watchDebounce
    /// `directory.dirsync_poll`: how often Active Directory's DirSync is asked for changes.
    package var dirSyncPoll: Duration = Defaults.dirSyncPoll
    package var journalPath: String
    /// `metrics.listen`: host and port for /metrics and /healthz; nil turns them off.
    package var metricsListen: (host: String, port: Int)?
    package var logFormat: LogFormat
    /// `review:`: what the access review flags.
    package var review = ReviewSettings()
    /// Audit checkpoints (`journal.checkpoint_key_file`, `journal.checkpoint_file`).
    package var checkpoints = Checkpoints()
    /// `notify.webhook_url`: where held sets, blocked restores and failed runs are posted.
    package var webhook: WebhookSettings?
    /// Where the file was read from (`review --html` names it); empty when parsed from text.
    package var sourcePath = ""
    /// SHA-256 (hex) of the file's bytes: what `plan --out` records and `sync --plan` compares.
    package var sourceDigest = ""
    /// `sync.plan_max_age`: how old a `plan --out` file `sync --plan` still applies.
    package var planMaxAge = Defaults.planMaxAge
    /// Things that work but deserve a warning at every start.
    package var warnings: [String]

    /// The defaults of CONTRACT.md for the keys that live here.
    package enum Defaults {
        package static let interval: Duration = .seconds(900)
        /// The shortest `sync.interval`: a full read per cycle must not hammer the servers.
        package static let minimumInterval: Duration = .seconds(60)
        package static let maxRunTime: Duration = .seconds(3600)
        package static let planMaxAge: Duration = .seconds(86_400)
        package static let watchDebounce: Duration = .milliseconds(200)
        package static let dirSyncPoll: Duration = .seconds(2)
        package static let journalPath = "/var/lib/podero-team-sync/journal.sqlite"
        package static let logFormat = LogFormat.text
    }

    /// `sync.watch`.
    package enum WatchMode: String, Sendable, CaseIterable {
        /// What the server's root DSE advertises: syncrepl (RFC 4533) or DirSync; else polling only.
        case auto
        case syncrepl
        case dirsync
        /// Polling only: a full reconcile every `sync.interval`.
        case off
    }

    /// `log.format`.
    package enum LogFormat: String, Sendable, CaseIterable {
        case text, json
    }

    /// Where the file is looked for when `--config` is not given.
    package static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        environment["PODERO_TEAM_SYNC_CONFIG"] ?? "/etc/podero-team-sync/config.yaml"
    }
}

/// `review:`: the thresholds of the access review (`review`, `status --json`'s expiries).
package struct ReviewSettings: Sendable {
    /// `review.inactive_after`: a last login older than this flags the account `inactive`.
    package var inactiveAfter: Duration = .seconds(90 * 86_400)
    /// `review.invitation_stale_after`: never logged in this long after joining flags it `invitation_pending`.
    package var invitationStaleAfter: Duration = .seconds(14 * 86_400)
    /// `review.max_admins`: more admins than this is reported (least privilege); nil sets no limit.
    package var maxAdmins: Int?
    /// `review.expiry_notice`: expiries this close are listed by `plan`, `review` and `status --json`.
    package var expiryNotice: Duration = .seconds(14 * 86_400)

    package init() {}
}

extension AppConfiguration {
    /// How runs leave checkpoints of the audit log (see `AuditCheckpoint`).
    package struct Checkpoints: Sendable {
        /// The signing key; nil: checkpoints are unsigned (they show a cut or a rollback only
        /// to whoever trusts where the copy was kept, and anyone with the file can forge one).
        package var key: AuditSigningKey?
        /// A file each checkpoint line is appended to (another filesystem, a remote mount).
        package var file: String?

        package init(key: AuditSigningKey? = nil, file: String? = nil) {
            self.key = key
            self.file = file
        }
    }
}

/// `notify.webhook_url` with its secret part filled in (`notify.webhook_secret_file`, else the
/// credential `webhook-secret`). Only `host` is ever shown.
package struct WebhookSettings: Sendable {
    /// The whole URL, secret included.
    package var url: Secret
    /// Scheme, host and port, for log lines.
    package var host: String

    package init(url: Secret, host: String) {
        self.url = url
        self.host = host
    }
}
