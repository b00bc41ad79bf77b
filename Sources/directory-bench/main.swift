// A benchmark driver for the directory reader alone (Scripts/bench-directory.sh): one full read
// of the slapd fixture, then the counts and the wall time on one line.
import Foundation
import LDAPDirectory
import Logging
import TeamSyncCore

let environment = ProcessInfo.processInfo.environment
guard let url = environment["TEAMSYNC_LDAP_URL"] else {
    FileHandle.standardError.write(Data("TEAMSYNC_LDAP_URL is not set (see Scripts/bench-directory.sh)\n".utf8))
    exit(64)
}
let suffix = "dc=example,dc=com"
let pageSize = Int(environment["TEAMSYNC_PAGE_SIZE"] ?? "") ?? 500
let settings = LDAPSettings(
    url: url, bindDN: "cn=podero-sync,ou=services,\(suffix)", bindPassword: Secret("sync-secret"),
    timeout: .seconds(60), pageSize: pageSize,
    users: UserSearch(baseDN: "ou=people,\(suffix)"),
    groups: GroupSearch(baseDN: "ou=groups,\(suffix)"),
    roleGroups: ["podero-admins", "podero-staff"].compactMap { DistinguishedName("cn=\($0),ou=groups,\(suffix)") })
let clock = ContinuousClock()
let start = clock.now
let snapshot = try await LDAPDirectory(settings: settings, logger: Logger(label: "bench")).readSnapshot()
let elapsed = clock.now - start
let withRole = snapshot.people.filter { !$0.memberships.isEmpty }.count
print("people=\(snapshot.people.count) matched=\(snapshot.matchedCount) with_role=\(withRole) seconds=\(elapsed.components.seconds).\(String(format: "%03d", elapsed.components.attoseconds / 1_000_000_000_000_000))")
