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

@Suite("The byte-level fast path of escaping agrees with the scalar rules")
struct TerminalTextFastPathTests {
    @Test("exactly C0, DEL, C1, U+061C, U+200E/F, U+202A-E and U+2066-9 are escaped, whatever the fast path skips")
    func everyScalar() {
        func escaped(_ value: UInt32) -> Bool {
            switch value {
            case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C: true
            default: false
            }
        }
        let scalars = (0..<0x3000).compactMap(Unicode.Scalar.init) + [0x1F600, 0xFEFF, 0x10FFFD].compactMap(Unicode.Scalar.init)
        for scalar in scalars {
            let text = "a" + String(Character(scalar)) + "b"
            #expect((text.escapingControlCharacters != text) == escaped(scalar.value), "U+\(String(scalar.value, radix: 16))")
        }
        #expect("rule 2 (podero-staff → staff): Zoë".escapingControlCharacters == "rule 2 (podero-staff → staff): Zoë")
    }
}
