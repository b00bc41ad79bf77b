import Testing
import TeamSyncCore

@Suite("E-mail addresses")
struct EmailAddressTests {
    @Test("valid addresses keep their spelling and compare case-insensitively")
    func valid() throws {
        let upper = try #require(EmailAddress(" Zoe.Mueller@Example.COM "))
        #expect(upper.value == "Zoe.Mueller@Example.COM")
        #expect(upper == EmailAddress("zoe.mueller@example.com"))
        #expect(upper.key == "zoe.mueller@example.com")
    }

    @Test("malformed addresses are rejected", arguments: [
        "", "not-an-address", "a@b", "@example.com", "a@@example.com", "a b@example.com", "a@example..com",
        "a@-example.com", "a@example.com,b@example.com", "<a@example.com>",
    ])
    func malformed(_ text: String) {
        #expect(EmailAddress(text) == nil)
    }

    @Test("issue 15 #3: case is folded in ASCII only; no non-ASCII address equals an ASCII one")
    func asciiOnlyFolding() {
        #expect(EmailAddress("Alice@Example.COM") == EmailAddress("alice@example.com"))
        #expect(EmailAddress("\u{212A}evin@example.com") != EmailAddress("kevin@example.com"))  // Kelvin sign
        #expect(EmailAddress("\u{212A}evin@example.com") != EmailAddress("Kevin@example.com"))  // canonically equal in Swift
        #expect(EmailAddress("a\u{1FEF}b@example.com") != EmailAddress("a`b@example.com"))
        #expect(EmailAddress("Zo\u{EB}@example.com") == EmailAddress("zo\u{EB}@example.com"))
        #expect(EmailAddress("ZO\u{CB}@example.com") != EmailAddress("zo\u{EB}@example.com"))  // Ë is not folded
        let kelvin = "\u{212A}evin@example.com".caseFoldedKey()
        #expect(kelvin.unicodeScalars.allSatisfy { $0.isASCII })
        #expect(EmailAddress("\u{212A}evin@example.com") != nil && EmailAddress("a\u{1FEF}b@example.com") != nil)
    }
}
