import Testing
@testable import LDAPDirectory

/// Range retrieval with responses recorded in the shape Windows AD sends them (Samba does not
/// force ranges; the live path is tested against Samba in ActiveDirectoryTests).
@Suite("Active Directory ranged member values")
struct RangedValueTests {
    static func members(_ range: Range<Int>) -> [String] {
        range.map { "CN=Person \($0),OU=Staff,DC=corp,DC=example,DC=com" }
    }

    /// A recorded conversation: what the server answered to each range request.
    final class Recording {
        var answers: [String: RangedValueCollector.Part]
        var asked: [String] = []
        init(_ answers: [String: RangedValueCollector.Part]) { self.answers = answers }
        func fetch(_ description: String) throws -> RangedValueCollector.Part {
            asked.append(description)
            return answers[description] ?? []
        }
    }

    let collector = RangedValueCollector(attribute: "member", purpose: "read group members in ranges")

    @Test("range descriptions are parsed whatever their case; others are not ranges")
    func parse() {
        let upper = RangedAttribute("Member;Range=0-1499")
        #expect(upper?.low == 0 && upper?.high == 1499 && upper?.isPart(of: "member") == true)
        #expect(RangedAttribute("member;range=1500-*")?.high == nil)
        #expect(RangedAttribute("member;range=1500-*")?.low == 1500)
        #expect(RangedAttribute("member") == nil)
        #expect(RangedAttribute("member;range=9-3") == nil)
        #expect(RangedAttribute("member;range=-1-*") == nil)
        #expect(RangedAttribute("member;lang-en") == nil)
        #expect(DirectoryReader.hasRangedValues(["objectClass", "member;range=0-1499"], memberAttribute: "member"))
        #expect(DirectoryReader.hasRangedValues(["Member;Range=1500-*"], memberAttribute: "member"))
        #expect(!DirectoryReader.hasRangedValues(["objectClass", "member"], memberAttribute: "member"))
        #expect(!DirectoryReader.hasRangedValues(["memberOf;range=0-9"], memberAttribute: "member"))
    }

    @Test("a 3,200-member group is read in three ranges, every value once and in order")
    func threeRanges() throws {
        let recording = Recording([
            "member;range=1500-*": [("member;range=1500-2999", Self.members(1500..<3000))],
            "member;range=3000-*": [("member;range=3000-*", Self.members(3000..<3200))],
        ])
        let values = try collector.collect(first: [("objectClass", ["group"]), ("member;range=0-1499", Self.members(0..<1500))], fetch: recording.fetch)
        #expect(values == Self.members(0..<3200))
        #expect(recording.asked == ["member;range=1500-*", "member;range=3000-*"])
    }

    @Test("a server that answers with upper-case descriptions is understood")
    func caseInsensitive() throws {
        let recording = Recording(["member;range=2-*": [("Member;Range=2-*", Self.members(2..<3))]])
        #expect(try collector.collect(first: [("Member;Range=0-1", Self.members(0..<2))], fetch: recording.fetch) == Self.members(0..<3))
    }

    @Test("an exact multiple of the range size ends with an empty last range")
    func emptyLastRange() throws {
        let recording = Recording(["member;range=1500-*": [("member;range=1500-*", [])]])
        #expect(try collector.collect(first: [("member;range=0-1499", Self.members(0..<1500))], fetch: recording.fetch).count == 1500)
    }

    @Test("a range that is not sent makes the read incomplete")
    func missingRange() throws {
        let recording = Recording([:])
        let error = try #require(throws: LDAPError.self) {
            try collector.collect(first: [("member;range=0-1499", Self.members(0..<1500))], fetch: recording.fetch)
        }
        #expect(error.kind == .incomplete)
        #expect(error.description.contains("from 1500 on"))
        #expect(error.description.contains("nothing is changed"))
    }

    @Test("a gap between ranges makes the read incomplete")
    func gap() throws {
        let recording = Recording(["member;range=1500-*": [("member;range=1501-*", Self.members(1501..<1600))]])
        let error = try #require(throws: LDAPError.self) {
            try collector.collect(first: [("member;range=0-1499", Self.members(0..<1500))], fetch: recording.fetch)
        }
        #expect(error.kind == .incomplete)
    }

    @Test("a range with fewer values than it announces makes the read incomplete")
    func shortRange() throws {
        let error = try #require(throws: LDAPError.self) {
            try collector.collect(first: [("member;range=0-1499", Self.members(0..<1499))], fetch: Recording([:]).fetch)
        }
        #expect(error.kind == .incomplete)
    }

    @Test("a server that never sends the last range is given up on, bounded")
    func endless() throws {
        var bounded = collector
        bounded.maximumParts = 5
        var asked = 0
        let error = try #require(throws: LDAPError.self) {
            try bounded.collect(first: [("member;range=0-0", Self.members(0..<1))]) { description in
                asked += 1
                let low = RangedAttribute(description)!.low
                return [("member;range=\(low)-\(low)", Self.members(low..<low + 1))]
            }
        }
        #expect(error.kind == .incomplete)
        #expect(asked == 4)
    }

    @Test("a failed range request fails the read")
    func fetchFails() throws {
        let error = try #require(throws: LDAPError.self) {
            try collector.collect(first: [("member;range=0-1499", Self.members(0..<1500))]) { _ in
                throw LDAPError(.timeout, operation: "read group members in ranges", reason: "no answer")
            }
        }
        #expect(error.kind == .timeout)
    }

    @Test("filter values are escaped (RFC 4515)")
    func escaping() {
        #expect(DirectoryReader.escapedFilterValue("cn=a*b (x)\\y,dc=z") == "cn=a\\2ab \\28x\\29\\5cy,dc=z")
    }
}
