import Testing
import TeamSyncCore

@Suite("Distinguished names compare the LDAP way")
struct DistinguishedNameTests {
    @Test("case, spaces and escapes do not matter", arguments: [
        ("uid=van der Berg\\, Jan,ou=people,dc=example,dc=com", "UID=Van der Berg\\2C Jan , OU=People, DC=Example, DC=Com"),
        ("cn=ops-leads,ou=groups,dc=example,dc=com", "CN = ops-leads ; ou=groups;dc=example,dc=com"),
        ("cn=a+uid=b,dc=x", "UID=B + CN=A,DC=X"),
        ("cn=\"Smith, John\",dc=x", "cn=smith\\, john,dc=x"),
        ("uid=josé,dc=x", "UID=JOSÉ,DC=X"),
        ("cn=two  spaces,dc=x", "cn=two spaces,dc=x"),
        ("oid.2.5.4.3=x,dc=y", "2.5.4.3=X,DC=Y"),
    ])
    func equal(_ left: String, _ right: String) throws {
        let a = try #require(DistinguishedName(left))
        let b = try #require(DistinguishedName(right))
        #expect(a == b)
        #expect(a.normalized == b.normalized)
    }

    @Test("different names stay different")
    func different() throws {
        #expect(DistinguishedName("cn=a,dc=x") != DistinguishedName("cn=b,dc=x"))
        #expect(DistinguishedName("cn=a\\,b,dc=x") != DistinguishedName("cn=a,cn=b,dc=x"))
    }

    @Test("the canonical form parses back to itself")
    func roundTrip() throws {
        let dn = try #require(DistinguishedName("UID=Van der Berg\\2C Jan , OU=People,DC=example,DC=com"))
        #expect(dn.normalized == "uid=van der berg\\, jan,ou=people,dc=example,dc=com")
        #expect(DistinguishedName(dn.normalized) == dn)
        #expect(dn.leaf == "uid=van der berg\\, jan")
    }

    @Test("malformed names are rejected", arguments: ["cn", "cn=a,", "=x", "cn=a,,dc=x", "cn=\"open", "cn=a\\", "c n=x"])
    func malformed(_ text: String) {
        #expect(DistinguishedName(text) == nil)
    }

    @Test("a BER-encoded value is kept as lowercase hex")
    func hexValue() throws {
        #expect(DistinguishedName("CN=#04024869,DC=x")?.normalized == "cn=#04024869,dc=x")
    }
}
