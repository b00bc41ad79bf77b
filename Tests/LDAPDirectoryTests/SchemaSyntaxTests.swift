import Foundation
import Logging
import Testing
import TeamSyncCore
@testable import LDAPDirectory

@Suite("The expiry attribute's format from the server's schema")
struct SchemaSyntaxTests {
    @Test("attribute type descriptions as OpenLDAP and Active Directory write them: names, SYNTAX, SUP")
    func parse() throws {
        let openLDAP = try #require(SchemaSyntax.AttributeType(
            "( 2.5.18.2 NAME 'modifyTimestamp' DESC 'RFC4512: time which object was last modified' EQUALITY generalizedTimeMatch "
                + "ORDERING generalizedTimeOrderingMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.24 SINGLE-VALUE NO-USER-MODIFICATION USAGE directoryOperation )"))
        #expect(openLDAP.names == ["modifyTimestamp"] && openLDAP.syntax == SchemaSyntax.generalizedTime && openLDAP.superior == nil)
        let several = try #require(SchemaSyntax.AttributeType("( 2.5.4.3 NAME ( 'cn' 'commonName' ) DESC 'RFC4519: common name(s)' SUP name )"))
        #expect(several.names == ["cn", "commonName"] && several.superior == "name" && several.syntax == nil)
        let bounded = try #require(SchemaSyntax.AttributeType("( 2.5.4.41 NAME 'name' SYNTAX 1.3.6.1.4.1.1466.115.121.1.15{32768} )"))
        #expect(bounded.syntax == "1.3.6.1.4.1.1466.115.121.1.15")
        let activeDirectory = try #require(SchemaSyntax.AttributeType(
            "( 1.2.840.113556.1.4.49 NAME 'badPasswordTime' SYNTAX '1.2.840.113556.1.4.906' SINGLE-VALUE NO-USER-MODIFICATION )"))
        #expect(activeDirectory.syntax == SchemaSyntax.largeInteger)
        #expect(SchemaSyntax.AttributeType("garbage") == nil)
        #expect(SchemaSyntax.AttributeType("( 1.2.3 DESC 'no name' )") == nil)
    }

    @Test("Generalized Time and Large Integer settle the format, through SUP too; other syntaxes and unknown names leave it to the values")
    func format() {
        let schema = [
            "( 1.1 NAME 'contractEnd' SYNTAX 1.3.6.1.4.1.1466.115.121.1.24 )",
            "( 1.2 NAME 'consultantUntil' SUP contractEnd )",
            "( 1.3 NAME 'lockoutTime' SYNTAX '1.2.840.113556.1.4.906' )",
            "( 1.4 NAME 'uidNumber' SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 )",
            "( 1.5 NAME 'loopA' SUP loopB )", "( 1.6 NAME 'loopB' SUP loopA )",
        ]
        #expect(SchemaSyntax.format(of: "contractEnd", in: schema) == .generalizedTime)
        #expect(SchemaSyntax.format(of: "CONSULTANTUNTIL", in: schema) == .generalizedTime)
        #expect(SchemaSyntax.format(of: "lockoutTime", in: schema) == .filetime)
        #expect(SchemaSyntax.format(of: "uidNumber", in: schema) == .auto)
        #expect(SchemaSyntax.format(of: "missing", in: schema) == .auto)
        #expect(SchemaSyntax.format(of: "loopA", in: schema) == .auto)
        // With the syntax known, a Large Integer's 0 is "never", not the ambiguous day 0.
        #expect(ExpiryDecoder.decode("0", format: .filetime) == .success(nil))
        #expect(ExpiryDecoder.decode("0", format: .auto) != .success(nil))
    }

    @Test("slapd: the subschema entry is read through the root DSE; modifyTimestamp is Generalized Time, uidNumber an INTEGER")
    func slapd() async throws {
        let settings = try SlapdFixture.settings()
        let connection = try LDAPConnection.bound(settings: settings)
        defer { connection.close() }
        let definitions = try SchemaSyntax.read(connection, timeout: .seconds(5))
        #expect(definitions.count > 100, "\(definitions.count) attribute types")
        #expect(SchemaSyntax.format(of: "modifyTimestamp", in: definitions) == .generalizedTime)
        #expect(SchemaSyntax.format(of: "uidNumber", in: definitions) == .auto)
        #expect(SchemaSyntax.format(of: "mail", in: definitions) == .auto)
        // A read with the timestamp as the expiry: every person's date is that timestamp, none skipped.
        let snapshot = try await SlapdFixture.read(try SlapdFixture.settings { $0.users.expiresAttribute = "modifyTimestamp" })
        #expect(!snapshot.people.isEmpty && snapshot.people.allSatisfy { $0.expiresAt != nil })
        #expect(!snapshot.skipped.contains { $0.reason.rawValue == "invalid_expiry" })
    }
}

extension ActiveDirectoryTests {
    @Test("Samba DC: the aggregate schema gives accountExpires and badPasswordTime as Large Integers (FILETIME) and whenChanged as Generalized Time")
    func schemaSyntax() async throws {
        let connection = try LDAPConnection.bound(settings: try ADFixture.settings())
        defer { connection.close() }
        let definitions = try SchemaSyntax.read(connection, timeout: .seconds(10))
        #expect(definitions.count > 1_000, "\(definitions.count) attribute types")
        #expect(SchemaSyntax.format(of: "accountExpires", in: definitions) == .filetime)
        #expect(SchemaSyntax.format(of: "badPasswordTime", in: definitions) == .filetime)
        #expect(SchemaSyntax.format(of: "whenChanged", in: definitions) == .generalizedTime)
        #expect(SchemaSyntax.format(of: "mail", in: definitions) == .auto)
    }
}
