import Foundation
import Testing
import TeamSyncCore
@testable import LDAPDirectory

/// Entries an adversarial directory administrator could write: NUL and escape sequences in
/// names, a 1 MB name. Each is skipped with a diagnostic; the others are read (issue 15 #20).
/// They live in their own OU, added and removed by this test, so no other test sees them.
@Suite("Hostile directory entries", .serialized)
struct HostileEntryTests {
    static let base = "ou=hostile,\(SlapdFixture.suffix)"

    private func ldap(_ tool: String, _ arguments: [String], input: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/\(tool)")
        process.arguments = ["-x", "-H", try SlapdFixture.variable("TEAMSYNC_LDAP_URL"), "-D", "cn=admin,\(SlapdFixture.suffix)", "-w", "admin-secret"] + arguments
        process.environment = ["LDAPNOINIT": "1"]
        let pipe = Pipe()
        process.standardInput = pipe
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        pipe.fileHandleForWriting.write(Data(input.utf8))
        try pipe.fileHandleForWriting.close()
        process.waitUntilExit()
        return process.terminationStatus
    }

    private func person(_ uid: String, given: Data) -> String {
        """
        dn: uid=\(uid),\(Self.base)
        objectClass: inetOrgPerson
        uid: \(uid)
        cn: \(uid)
        sn: Example
        mail: \(uid)@example.com
        givenName:: \(given.base64EncodedString())
        """ + "\n\n"
    }

    @Test("NUL, ESC and newlines in a name, or a 1 MB name: skipped as invalid_name; a normal neighbour is read")
    func hostileNames() async throws {
        _ = try ldap("ldapdelete", ["-r", Self.base], input: "")
        let ldif = "dn: \(Self.base)\nobjectClass: organizationalUnit\nou: hostile\n\n"
            + person("nul", given: Data("Ma\u{0}llory".utf8))
            + person("esc", given: Data("Eve\u{1B}[2J\nadmin".utf8))
            + person("huge", given: Data(repeating: UInt8(ascii: "a"), count: 1_000_000))
            + person("fine", given: Data("Frida".utf8))
        #expect(try ldap("ldapadd", [], input: ldif) == 0)
        defer { _ = try? ldap("ldapdelete", ["-r", Self.base], input: "") }
        let snapshot = try await SlapdFixture.read(try SlapdFixture.settings { $0.users.baseDN = Self.base })
        let codes = Dictionary(uniqueKeysWithValues: snapshot.skipped.map { ($0.dn.leaf, $0.reason) })
        #expect(codes == ["uid=nul": .invalidName, "uid=esc": .invalidName, "uid=huge": .invalidName], "\(codes)")
        #expect(snapshot.people.map(\.firstName) == ["Frida"])
        let messages = snapshot.skipped.map(\.diagnostic.message).joined(separator: " | ")
        #expect(messages.contains("givenName contains a control character (U+0000)"), "\(messages)")
        #expect(messages.contains("givenName is longer than 256 characters (1000000)"), "\(messages)")
        #expect(snapshot.skipped.allSatisfy { $0.externalID != nil })  // an id: a managed person would be kept, not departed
    }
}
