// A benchmark driver for the directory reader alone: one full read, then the counts and the wall
// time on one line. Scripts/bench-directory.sh reads the slapd fixture; Scripts/bench-ad.sh sets
// TEAMSYNC_BENCH_PROFILE=ad and TEAMSYNC_MEMBERSHIP=expand|in_chain to read the Samba AD fixture.
import Foundation
import LDAPDirectory
import Logging
import TeamSyncCore

let environment = ProcessInfo.processInfo.environment
guard let url = environment["TEAMSYNC_LDAP_URL"] else {
    FileHandle.standardError.write(Data("TEAMSYNC_LDAP_URL is not set (see Scripts/bench-directory.sh)\n".utf8))
    exit(64)
}
let pageSize = Int(environment["TEAMSYNC_PAGE_SIZE"] ?? "") ?? 500
let settings: LDAPSettings
if environment["TEAMSYNC_BENCH_PROFILE"] == "ad" {
    // The organisation of Scripts/gen-ad-ldif.py, as config/podero-team-sync.active-directory.example.yaml reads it.
    let base = "DC=corp,DC=example,DC=com"
    let membership = GroupSearch.Membership(rawValue: environment["TEAMSYNC_MEMBERSHIP"] ?? "expand") ?? .expand
    settings = LDAPSettings(
        url: url, bindDN: "CN=svc-podero-sync,OU=Service Accounts,\(base)", bindPassword: Secret("Sync-Secret-1!"),
        timeout: .seconds(120), pageSize: pageSize,
        users: UserSearch(
            baseDN: "OU=Staff,\(base)", filter: "(&(objectCategory=person)(objectClass=user))",
            externalIDAttribute: "objectGUID", disabledFilter: "(userAccountControl:1.2.840.113556.1.4.803:=2)"),
        groups: GroupSearch(baseDN: "OU=Groups,\(base)", filter: "(objectClass=group)", membership: membership),
        roleGroups: ["Podero Admins", "Podero Staff"].compactMap { DistinguishedName("CN=\($0),OU=Groups,\(base)") })
} else {
    let suffix = "dc=example,dc=com"
    settings = LDAPSettings(
        url: url, bindDN: "cn=podero-sync,ou=services,\(suffix)", bindPassword: Secret("sync-secret"),
        timeout: .seconds(60), pageSize: pageSize,
        users: UserSearch(baseDN: "ou=people,\(suffix)"),
        groups: GroupSearch(baseDN: "ou=groups,\(suffix)"),
        roleGroups: ["podero-admins", "podero-staff"].compactMap { DistinguishedName("cn=\($0),ou=groups,\(suffix)") })
}
let clock = ContinuousClock()
let start = clock.now
let snapshot = try await LDAPDirectory(settings: settings, logger: Logger(label: "bench")).readSnapshot()
let elapsed = clock.now - start
let withRole = snapshot.people.filter { !$0.memberships.isEmpty }.count
print("people=\(snapshot.people.count) matched=\(snapshot.matchedCount) with_role=\(withRole) seconds=\(elapsed.components.seconds).\(String(format: "%03d", elapsed.components.attoseconds / 1_000_000_000_000_000))")
