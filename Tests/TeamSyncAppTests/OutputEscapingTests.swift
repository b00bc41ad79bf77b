import Foundation
import PoderoAPI
import Testing
import TeamSyncCore
@testable import TeamSyncApp

/// DNs with ESC and newlines, and Podero's error text, never reach a terminal or a log line
/// raw (issue 15 #7).
@Suite("Output: control characters from outside are escaped")
struct OutputEscapingTests {
    static let hostileDN = "cn=evil\u{1B}[2J\u{1B}[31m\nsoft_delete  kevin  admin,ou=people,dc=example,dc=com"

    @Test("plan's table: a hostile DN stays on its line, ESC visible")
    func planTable() {
        let entry = SkippedEntry(dn: DistinguishedName("cn=x,ou=people,dc=example,dc=com")!, externalID: nil, email: nil,
            diagnostic: Diagnostic(.missingExternalID, entry: Self.hostileDN, message: "has no entryUUID"))
        let text = PlanRenderer.table(SyncCycle.Preview(plan: Plan(actions: [], skipped: [entry]), refusals: [], matchedCount: 1))
        #expect(!text.contains("\u{1B}"))
        #expect(!text.split(separator: "\n").contains { $0.hasPrefix("soft_delete") })
        #expect(text.contains(#"cn=evil\x1b[2J\x1b[31m\nsoft_delete"#))
    }

    @Test("the text log: a message and a field with ESC, CR and LF are one line")
    func logLine() {
        let line = StderrLogHandler.textLine(level: .error, message: "action failed\r\nlevel=info msg=fake", fields: ["dn": Self.hostileDN])
        #expect(!line.contains("\n") && !line.contains("\r") && !line.contains("\u{1B}"))
        #expect(line.hasPrefix(#"level=error msg="action failed\r\nlevel=info msg=fake" dn="cn=evil\x1b[2J"#), "\(line)")
    }

    @Test("Podero's error text is escaped where it enters: stderr, status and the audit reason all get it escaped")
    func poderoDetail() {
        let error = PoderoError(.validation, operation: "create", status: 422, detail: "bad\u{1B}]0;pwned\u{07}\nname")
        #expect(error.detail == #"bad\x1b]0;pwned\x07\nname"#)
        #expect(!error.description.contains("\u{1B}"))
    }
}
