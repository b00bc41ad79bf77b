import Foundation
import Testing
@testable import PoderoAPI
@testable import PoderoSandbox

/// The hand-written users-list decoder must read exactly what Foundation's JSONDecoder reads, and
/// refuse what it refuses.
@Suite("Users list decoding")
struct UserListDecoderTests {
    struct Decoded: Equatable {
        var id, role, email: String
        var externalUserID, firstName, lastName: String?
        init(_ user: APIUser) {
            (id, role, email) = (user.id, user.role, user.email)
            (externalUserID, firstName, lastName) = (user.externalUserID, user.firstName, user.lastName)
        }
    }

    static func ours(_ json: String) throws -> [Decoded] {
        var users: [Decoded] = []
        try Array(json.utf8).withUnsafeBytes { bytes in try UserListDecoder.decode(bytes) { users.append(Decoded($0)) } }
        return users
    }

    static func foundation(_ json: String) throws -> [Decoded] {
        try JSONDecoder().decode([APIUser].self, from: Data(json.utf8)).map(Decoded.init)
    }

    static let accepted: [String] = [
        "[]",
        " \n[ ] \t",
        #"[{"id":"a","role":"staff","email":"a@x.com"}]"#,
        #"[{"id":"a","role":"admin","email":"a@x.com","external_user_id":null,"first_name":null,"last_name":null}]"#,
        #"[{"email":"b@x.com","first_name":"Zo\u00eb","last_name":"M\u00fcller","role":"staff","id":"b","external_user_id":"E1"}]"#,
        #"[{"id":"c","role":"staff","email":"c@x.com","first_name":"Zoë 😀","last_name":"\ud83d\ude00 \"q\" \\ \/ \b\f\n\r\t"}]"#,
        #"[{"id":"d","role":"user","email":"d@x.com","extra":{"nested":[1,-2.5e3,true,false,null,{"k":"v"}],"s":"x"},"n":0,"z":[]}]"#,
        #"[ { "id" : "e" , "role" : "staff" , "email" : "e@x.com" } , {"id":"f","role":"staff","email":"f@x.com","external_user_id":"F"} ]"#,
        #"[{"\u0069d":"g","role":"staff","email":"g@x.com","created_at":"2026-01-01T00:00:00Z","is_active":true}]"#,
    ]

    static let refused: [String] = [
        "",
        "{}",
        "[",
        #"[{"id":"a","role":"staff","email":"a@x.com"}"#,
        #"[{"id":"a","role":"staff","email":"a@x.com"}] x"#,
        #"[{"id":"a","role":"staff"}]"#,
        #"[{"id":1,"role":"staff","email":"a@x.com"}]"#,
        #"[{"id":null,"role":"staff","email":"a@x.com"}]"#,
        #"[{"id":"a","role":"staff","email":"a@x.com","first_name":5}]"#,
        #"[{"id":"a\ud800","role":"staff","email":"a@x.com"}]"#,
        #"[{"id":"a\x","role":"staff","email":"a@x.com"}]"#,
        "[{\"id\":\"a\u{1}\",\"role\":\"staff\",\"email\":\"a@x.com\"}]",
        #"[{"id":"a","role":"staff","email":"a@x.com","o":{"k" 1}}]"#,
    ]

    @Test("reads what JSONDecoder reads", arguments: accepted)
    func accepts(_ json: String) throws {
        #expect(try Self.ours(json) == (try Self.foundation(json)))
    }

    @Test("refuses what JSONDecoder refuses", arguments: refused)
    func refuses(_ json: String) throws {
        #expect(throws: (any Error).self) { try Self.foundation(json) }
        #expect(throws: UserListDecoder.Failure.self) { try Self.ours(json) }
    }

    @Test("trailing commas, which Foundation's decoder lets through, are refused (RFC 8259)")
    func trailingCommas() throws {
        for json in [#"[{"id":"a","role":"staff","email":"a@x.com",}]"#, #"[{"id":"a","role":"staff","email":"a@x.com"},]"#] {
            #expect(throws: UserListDecoder.Failure.self) { try Self.ours(json) }
        }
    }

    @Test("invalid UTF-8 in a string is refused")
    func invalidUTF8() throws {
        var bytes = Array(#"[{"id":"a","role":"staff","email":"a@x.com"}]"#.utf8)
        bytes[8] = 0xFF
        #expect(throws: UserListDecoder.Failure.self) {
            try bytes.withUnsafeBytes { try UserListDecoder.decode($0) { _ in } }
        }
    }

    @Test("deeply nested unknown values are bounded")
    func depth() throws {
        let json = #"[{"id":"a","role":"staff","email":"a@x.com","x":"# + String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "}]"
        #expect(throws: UserListDecoder.Failure.self) { try Self.ours(json) }
    }

    @Test("a large generated list reads the same both ways")
    func large() throws {
        var generator = SystemRandomNumberGenerator()
        let users = (0..<2_000).map { n -> String in
            let first = n % 7 == 0 ? "null" : "\"Name\(n)\(n % 3 == 0 ? "\\u00e9" : "")\""
            let ext = n % 5 == 0 ? "null" : "\"\(UUID().uuidString.lowercased())\""
            return #"{"id":"\#(UUID().uuidString)","role":"\#(["admin", "staff", "user"][Int.random(in: 0..<3, using: &generator)])","email":"u\#(n)@Example.com","external_user_id":\#(ext),"first_name":\#(first),"last_name":"L\#(n)","phone":null,"tags":[\#(n),"t"]}"#
        }
        let json = "[" + users.joined(separator: ",") + "]"
        let ours = try Self.ours(json)
        #expect(ours.count == 2_000)
        #expect(ours == (try Self.foundation(json)))
    }
}

/// The emulator renders each user's JSON when the user changes and joins them for a list.
@Suite("Emulator list rendering")
struct SandboxListRenderingTests {
    /// The same JSON value (the encoder's key order is not fixed, so bytes are not compared).
    static func sameJSON(_ a: Data, _ b: Data) throws -> Bool {
        let left = try JSONSerialization.jsonObject(with: a) as? NSArray
        let right = try JSONSerialization.jsonObject(with: b) as? NSArray
        return left != nil && left == right
    }

    @Test("the joined list is the encoded list, live and with soft-deleted users")
    func joinedEqualsEncoded() throws {
        var state = SandboxState()
        for n in 0..<50 {
            var user = SandboxUser(id: "id-\(n)", organizationID: "org", role: n % 3 == 0 ? "admin" : "staff", email: "u\(n)@x.com")
            user.firstName = n % 4 == 0 ? nil : "Zoë \(n) \"q\" /"
            user.externalUserID = n % 5 == 0 ? nil : "ext-\(n)"
            user.latitude = n % 2 == 0 ? 47.5 + Double(n) / 7 : nil
            user.deleted = n % 6 == 0
            state.insert(user)
        }
        var changed = try #require(state.users["id-7"])
        changed.role = "admin"
        state.replace(changed)
        state.remove(id: "id-8")
        for includeDeleted in [false, true] {
            let encoded = try SandboxReply.encoder.encode(state.list(includeDeleted: includeDeleted))
            #expect(try Self.sameJSON(state.listJSON(includeDeleted: includeDeleted), encoded))
        }
        #expect(SandboxState().listJSON(includeDeleted: false) == Data("[]".utf8))
    }
}
