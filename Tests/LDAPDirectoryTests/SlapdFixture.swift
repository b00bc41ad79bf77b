import Foundation
import Logging
import Testing
import TeamSyncCore
@testable import LDAPDirectory

/// The slapd that `Scripts/test.sh` starts (Scripts/slapd-fixture.sh), described by environment
/// variables. Tests fail, never skip, when it is missing.
enum SlapdFixture {
    static let suffix = "dc=example,dc=com"
    static let syncDN = "cn=podero-sync,ou=services,dc=example,dc=com"
    static let limitedDN = "cn=limited,ou=services,dc=example,dc=com"
    static let password = Secret("sync-secret")

    static func variable(_ name: String) throws -> String {
        try #require(
            ProcessInfo.processInfo.environment[name],
            "\(name) is not set: run Scripts/test.sh, which starts slapd and exports it")
    }

    static func group(_ cn: String) -> DistinguishedName { DistinguishedName("cn=\(cn),ou=groups,\(suffix)")! }
    static func person(_ uid: String) -> DistinguishedName { DistinguishedName("uid=\(uid),ou=people,\(suffix)")! }

    /// Settings for the plain ldap:// listener, bound as the sync account.
    static func settings(
        url: String? = nil, roleGroups: [String] = ["podero-admins", "podero-staff"], pageSize: Int = 7,
        configure: (inout LDAPSettings) -> Void = { _ in }
    ) throws -> LDAPSettings {
        var settings = LDAPSettings(
            url: try url ?? variable("TEAMSYNC_LDAP_URL"), bindDN: syncDN, bindPassword: password,
            timeout: .seconds(5), pageSize: pageSize,
            users: UserSearch(baseDN: "ou=people,\(suffix)"),
            groups: GroupSearch(baseDN: "ou=groups,\(suffix)"),
            roleGroups: roleGroups.map(group))
        configure(&settings)
        return settings
    }

    static func read(_ settings: LDAPSettings) async throws -> DirectorySnapshot {
        try await LDAPDirectory(settings: settings, logger: Logger(label: "test")).readSnapshot()
    }

    /// Runs a read that must fail with an `LDAPError`, and returns it.
    static func failure(_ settings: LDAPSettings) async throws -> LDAPError {
        do {
            let snapshot = try await read(settings)
            Issue.record("expected an error, got \(snapshot.people.count) people")
            throw CancellationError()
        } catch let error as LDAPError {
            return error
        }
    }
}
