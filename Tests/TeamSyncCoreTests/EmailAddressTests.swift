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
}
