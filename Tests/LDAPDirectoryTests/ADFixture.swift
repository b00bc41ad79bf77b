import Foundation
import Logging
import Testing
import TeamSyncCore
@testable import LDAPDirectory

/// The Samba AD domain controller that `Scripts/test.sh` starts (Scripts/samba-fixture.sh), on
/// AD's fixed ports. Organisation: Scripts/gen-ad-ldif.py. Tests fail, never skip, when it is
/// missing.
enum ADFixture {
    static let base = "DC=corp,DC=example,DC=com"
    static let syncDN = "CN=svc-podero-sync,OU=Service Accounts,\(base)"
    static let password = Secret("Sync-Secret-1!")
    static let disabledBit = "(userAccountControl:1.2.840.113556.1.4.803:=2)"

    static func group(_ cn: String) -> DistinguishedName { DistinguishedName("CN=\(cn),OU=Groups,\(base)")! }
    static func person(_ cn: String) -> DistinguishedName { DistinguishedName("CN=\(cn),OU=Staff,\(base)")! }

    /// Bulk people plus Alice, Bob, Carol, Dan and Erin.
    static func peopleCount() throws -> Int { try #require(Int(SlapdFixture.variable("TEAMSYNC_AD_PEOPLE"))) + 5 }

    /// Settings as the AD example configuration has them, bound as the sync account.
    static func settings(
        url: String? = nil, pageSize: Int = 1000, configure: (inout LDAPSettings) -> Void = { _ in }
    ) throws -> LDAPSettings {
        var settings = LDAPSettings(
            url: try url ?? SlapdFixture.variable("TEAMSYNC_AD_URL"), bindDN: syncDN, bindPassword: password,
            timeout: .seconds(10), pageSize: pageSize,
            users: UserSearch(
                baseDN: "OU=Staff,\(base)", filter: "(&(objectCategory=person)(objectClass=user))",
                externalIDAttribute: "objectGUID", disabledFilter: disabledBit),
            groups: GroupSearch(baseDN: "OU=Groups,\(base)", filter: "(objectClass=group)"),
            roleGroups: [group("Podero Admins"), group("Podero Staff")])
        configure(&settings)
        return settings
    }

    /// Runs an OpenLDAP client tool (ldapsearch, ldapmodify, ldapmodrdn…) as the domain's
    /// administrator and returns its output; fails the test when it fails.
    @discardableResult
    static func tool(_ name: String, _ arguments: [String], input: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/\(name)")
        process.arguments = ["-x", "-H", try SlapdFixture.variable("TEAMSYNC_AD_URL"),
            "-D", try SlapdFixture.variable("TEAMSYNC_AD_ADMIN_DN"), "-w", try SlapdFixture.variable("TEAMSYNC_AD_ADMIN_PASSWORD")] + arguments
        let output = Pipe()
        let inputPipe = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = inputPipe
        try process.run()
        if let input { inputPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try inputPipe.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        try #require(process.terminationStatus == 0, "\(name) failed: \(text)")
        return text
    }
}
