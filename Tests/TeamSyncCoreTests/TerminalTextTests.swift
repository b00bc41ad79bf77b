import Testing
import TeamSyncCore

@Suite("Text from outside, escaped for terminals and logs (issue 15 #7)")
struct TerminalTextTests {
    @Test("ESC, CR, LF, TAB, NUL, DEL, C1 and bidi overrides become visible escapes; the rest is untouched")
    func escapes() {
        #expect("cn=evil\u{1B}[2J\nuid=x\r\t".escapingControlCharacters == #"cn=evil\x1b[2J\nuid=x\r\t"#)
        #expect("a\u{0}b\u{7F}c\u{9B}d".escapingControlCharacters == #"a\x00b\x7fc\x9bd"#)
        #expect("admin\u{202E}nimda".escapingControlCharacters == #"admin\u{202e}nimda"#)
        #expect(#"cn=Smith\, John,ou=people"#.escapingControlCharacters == #"cn=Smith\, John,ou=people"#)
        #expect("Zoë Müller 山田".escapingControlCharacters == "Zoë Müller 山田")
    }
}
