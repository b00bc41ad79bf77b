import Foundation
import Testing
import TeamSyncCore
@testable import TeamSyncApp

@Suite("Access review: standings, flags and the report forms, from fixed inputs")
struct AccessReviewTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let day: TimeInterval = 86_400
    static let admins = DistinguishedName("cn=podero-admins,ou=groups,dc=example,dc=com")!
    static let staff = DistinguishedName("cn=podero-staff,ou=groups,dc=example,dc=com")!
    static let rules = [RoleRule(group: admins, role: .admin), RoleRule(group: staff, role: .staff)]

    static func person(_ name: String, _ groups: [DistinguishedName], email: String? = nil) -> DirectoryPerson {
        DirectoryPerson(externalID: ExternalID(name), dn: DistinguishedName("uid=\(name),ou=people,dc=example,dc=com")!,
            email: EmailAddress(email ?? "\(name)@example.com")!, memberships: groups.map { GroupMembership(group: $0) })
    }

    static func account(_ name: String, _ role: RemoteAccount.Role, externalID: Bool = true, deleted: Bool = false, lastLogin: Date? = nil,
                        joined: Date? = now.addingTimeInterval(-day)) -> RemoteAccount {
        var account = RemoteAccount(id: "id-\(name)", role: role, email: "\(name)@example.com", externalID: externalID ? ExternalID(name) : nil,
            isSoftDeleted: deleted)
        account.activity = .init(lastLogin: lastLogin.map(AuditTime.format), joinedAt: joined.map(AuditTime.format), isOnboarded: lastLogin != nil)
        return account
    }

    static func managed(_ name: String, _ role: Role, _ state: ManagedAccount.State = .active, adopted: Bool = false) -> ManagedAccount {
        ManagedAccount(externalID: ExternalID(name), poderoID: "id-\(name)", email: "\(name)@example.com", role: role, state: state,
            firstSeen: now.addingTimeInterval(-100 * day), adopted: adopted)
    }

    static func review(includeDeleted: Bool = false, configure: (inout AccessReview.Inputs) -> Void = { _ in }) -> AccessReview {
        var consultant = person("carla", [staff])
        consultant.expiresAt = now.addingTimeInterval(5 * day)
        var inputs = AccessReview.Inputs(
            snapshot: DirectorySnapshot(people: [
                person("alice", [admins]), person("adopted", [staff]), consultant, person("cand", [staff]), person("owner", [admins]),
                person("blocked", [staff]), person("gone", []),
            ]),
            remote: [
                account("alice", .admin, lastLogin: now.addingTimeInterval(-100 * day)),
                account("adopted", .staff, lastLogin: now), account("carla", .staff, lastLogin: now),
                account("cand", .staff, externalID: false, joined: now.addingTimeInterval(-30 * day)),
                account("owner", .admin, lastLogin: now), account("stranger", .admin, externalID: false, lastLogin: now),
                account("blocked", .staff, deleted: true), account("old", .staff, deleted: true), account("gone", .staff, lastLogin: now),
                account("customer", .user), account("guest", .guest),
            ],
            managed: [
                managed("alice", .admin), managed("adopted", .staff, adopted: true), managed("carla", .staff),
                managed("blocked", .staff, .restoreBlocked(since: now.addingTimeInterval(-day), blockedBy: "id-blocked")),
                managed("old", .staff, .softDeleted(at: now.addingTimeInterval(-50 * day))),
                managed("gone", .staff, .departed(since: now.addingTimeInterval(-2 * day))),
            ],
            rules: rules, policy: SyncPolicy(departureGrace: .seconds(7 * 86_400), protectedEmails: ["owner@example.com"]),
            settings: ReviewSettings(), now: now)
        configure(&inputs)
        return AccessReview(inputs, includeDeleted: includeDeleted)
    }

    @Test("each account gets one standing, the why of its role, and its flags; end-users are only counted")
    func standings() throws {
        let review = Self.review()
        let byEmail = Dictionary(uniqueKeysWithValues: review.rows.map { ($0.email, $0) })
        func row(_ name: String) throws -> AccessReview.Row { try #require(byEmail["\(name)@example.com"], "\(name)") }
        #expect(try row("alice").standing == .managed)
        #expect(try row("alice").why == "rule 1 (cn=podero-admins → admin): member of cn=podero-admins")
        #expect(try row("alice").flags == [.inactive])
        #expect(try row("adopted").standing == .adopted)
        #expect(try row("carla").standing == .expiring)
        #expect(try row("cand").standing == .adoptionCandidate)
        #expect(try row("cand").flags == [.invitationPending])
        #expect(try row("cand").why?.contains("by_external_id_or_email would adopt it") == true)
        #expect(try row("owner").standing == .protected)
        #expect(try row("stranger").standing == .unmanaged)
        #expect(try row("stranger").why == nil)
        #expect(try row("blocked").standing == .restoreBlocked, "listed without --include-deleted: it needs a human")
        #expect(try row("gone").standing == .departing)
        #expect(try row("gone").deleteAfter == Self.now.addingTimeInterval(5 * Self.day))
        #expect(byEmail["old@example.com"] == nil)
        #expect(byEmail["customer@example.com"] == nil && review.endUsers == 2)
        #expect(review.admins == 3)
        #expect(!review.tooManyAdmins)
        #expect(review.needsAction)
        // What needs a human comes first.
        #expect(review.rows.first?.standing == .restoreBlocked)

        let all = Self.review(includeDeleted: true)
        #expect(all.rows.first { $0.email == "old@example.com" }?.standing == .softDeleted)
    }

    @Test("max_admins and allowed_email_domains raise what --check reports; a clean review needs nothing")
    func limits() {
        let strict = Self.review { inputs in
            inputs.settings.maxAdmins = 2
            inputs.policy.allowedEmailDomains = ["corp.example.com"]
        }
        #expect(strict.tooManyAdmins)
        #expect(strict.rows.filter { $0.flags.contains(.outsideAllowedDomains) }.count == strict.rows.filter { $0.standing != .restoreBlocked }.count)
        let clean = Self.review { inputs in
            inputs.remote = inputs.remote.filter { ["adopted", "carla", "owner"].contains($0.id.dropFirst(3)) }
        }
        #expect(!clean.needsAction, "\(clean.rows.map(\.flags))")
    }

    @Test("CSV: RFC 4180, formula-like cells get one leading quote, control characters escaped")
    func csv() {
        #expect(ReviewRenderer.csvCell("=1+1") == "'=1+1")
        #expect(ReviewRenderer.csvCell("+49 30") == "'+49 30")
        #expect(ReviewRenderer.csvCell("-x") == "'-x")
        #expect(ReviewRenderer.csvCell("@SUM(A1)") == "'@SUM(A1)")
        #expect(ReviewRenderer.csvCell("\tx").hasPrefix("'"))
        #expect(ReviewRenderer.csvCell("'quoted") == "''quoted")
        #expect(ReviewRenderer.csvCell("a,\"b\"") == "\"a,\"\"b\"\"\"")
        #expect(ReviewRenderer.csvCell("plain@example.com") == "plain@example.com")
        #expect(!ReviewRenderer.csvCell("line\nbreak").contains("\n"))
        let csv = ReviewRenderer.csv(Self.review())
        #expect(csv.hasPrefix("podero_user_id,email,name,role,external_user_id,standing,why,"))
        #expect(csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }.count == Self.review().rows.count + 1)
    }

    @Test("HTML: self-contained, every outside text escaped, counts by id")
    func html() {
        var review = Self.review()
        review.rows[0].email = "<script>alert(1)</script>@example.com"
        review.rows[0].why = "\"quoted\" & 'single'"
        let page = ReviewRenderer.html(review, .init(configuration: "/etc/<x>.yaml", auditHead: (42, String(repeating: "a", count: 64))))
        #expect(!page.contains("<script"))
        #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;@example.com"))
        #expect(page.contains("&quot;quoted&quot; &amp; &#39;single&#39;"))
        #expect(page.contains("/etc/&lt;x&gt;.yaml"))
        #expect(page.contains("id=\"count-accounts\">\(review.rows.count)<"))
        #expect(page.contains("seq 42, hash " + String(repeating: "a", count: 64)))
        #expect(page.contains("Content-Security-Policy"))
    }

    @Test("text tables line up whatever the lengths: long cells wrap inside their column")
    func textTable() {
        var table = TextTable([.init(header: "ACTION", limit: 10), .init(header: "PERSON", limit: 30), .init(header: "REASON", limit: 40)])
        table.append(["create", "id-1 a-very-long-local-part-for-testing@a-long-domain.example.com", "member of cn=podero-staff"])
        table.append(["soft_delete", "id-2 b@example.com", String(repeating: "reason ", count: 12)])
        table.append(["update\u{1B}[31m", "id-3 c@example.com", "x"])
        let lines = table.render()
        // Every line's second column starts at the same place, and no line has a control character.
        let starts = Set(lines.compactMap { line -> Int? in
            let characters = Array(line)
            guard characters.count > 12 else { return nil }
            return characters[12] == " " && characters[11] == " " ? nil : 12
        })
        #expect(starts == [12], "\(lines.joined(separator: "\n"))")
        #expect(lines.allSatisfy { $0.count <= 10 + 2 + 30 + 2 + 40 })
        #expect(lines.allSatisfy { !$0.unicodeScalars.contains { $0.value < 0x20 } })
        #expect(lines.joined().contains("a-long-domain"))
        #expect(TextTable.wrap("abc def ghi", width: 7) == ["abc def", "ghi"])
        #expect(TextTable.wrap("short", width: 10) == ["short"])
    }

    /// `count` accounts of every standing, listed out of e-mail order, some sharing an e-mail,
    /// some with text that every form must escape.
    static func largeInputs(_ count: Int) -> AccessReview.Inputs {
        var people: [DirectoryPerson] = [], remote: [RemoteAccount] = [], journal: [ManagedAccount] = []
        for index in 0..<count {
            let name = "p\((index * 7_919) % count)"
            let kind = index % 11
            let groups = kind == 3 ? [] : [index % 4 == 0 ? admins : staff]
            var directoryPerson = person(name, groups, email: kind == 9 ? "\(name)@outside.example.org" : nil)
            if kind == 6 { directoryPerson.expiresAt = now.addingTimeInterval(Double(index % 20) * day) }
            if kind != 4 { people.append(directoryPerson) }
            var listed = account(name, index % 4 == 0 ? .admin : .staff, externalID: kind != 5, deleted: kind == 7 || kind == 8,
                                 lastLogin: kind == 2 ? nil : now.addingTimeInterval(-Double(index % 200) * day),
                                 joined: now.addingTimeInterval(-Double(index % 30) * day))
            if kind == 9 { listed.email = directoryPerson.email.description }
            if index % 13 == 0 { listed.firstName = "Zoë \"Q\" <b>"; listed.lastName = "=cmd|' /C calc'!A0, \u{202E}x" }
            if index % 17 == 0 { listed.email = "shared@example.com" }
            remote.append(listed)
            let record = managed(name, index % 4 == 0 ? .admin : .staff)
            switch kind {
            case 0, 2, 3, 6, 9: journal.append(record)
            case 1: journal.append(managed(name, .staff, adopted: true))
            case 4: journal.append(managed(name, .staff, .departed(since: now.addingTimeInterval(-day))))
            case 7: journal.append(managed(name, .staff, .softDeleted(at: now.addingTimeInterval(-3 * day))))
            case 8: journal.append(managed(name, .staff, .restoreBlocked(since: now, blockedBy: "id-\(name)")))
            default: break
            }
            if index % 50 == 0 { remote.append(account("customer\(index)", .user)) }
        }
        var policy = SyncPolicy(departureGrace: .seconds(7 * 86_400), protectedEmails: ["p7919@example.com"])
        policy.allowedEmailDomains = ["example.com"]
        return AccessReview.Inputs(snapshot: DirectorySnapshot(people: people), remote: remote, managed: journal, rules: rules,
                                   policy: policy, settings: ReviewSettings(), now: now)
    }

    @Test("the review and each of its forms are the same on one core or several, and from a half prepared during the reads")
    func lanes() throws {
        let inputs = Self.largeInputs(9_000)
        let provenance = ReviewRenderer.Provenance(configuration: "/etc/x.yaml", auditHead: (7, "ab"))
        let one = AccessReview(inputs, includeDeleted: true, lanes: 1)
        let prepared = AccessReview.Prepared(remote: inputs.remote, managed: inputs.managed, policy: inputs.policy, settings: inputs.settings,
                                             now: inputs.now, includeDeleted: true, lanes: 3)
        #expect(prepared.lanes.count == 2, "9,000 accounts make two slices of at least 4,096")
        let reviews = [AccessReview(inputs, includeDeleted: true, lanes: 3), AccessReview(prepared, snapshot: inputs.snapshot, rules: Self.rules, lanes: 2)]
        let reference = (json: ReviewRenderer.json(one, provenance, lanes: 1), csv: ReviewRenderer.csv(one, lanes: 1),
                         text: ReviewRenderer.text(one, provenance, lanes: 1), html: ReviewRenderer.html(one, provenance, lanes: 1))
        for review in reviews {
            #expect(review.endUsers == one.endUsers && review.rows.count == one.rows.count)
            #expect(ReviewRenderer.json(review, provenance, lanes: 1) == reference.json)
        }
        #expect(ReviewRenderer.json(one, provenance, lanes: 3) == reference.json)
        #expect(ReviewRenderer.csv(one, lanes: 3) == reference.csv)
        #expect(ReviewRenderer.text(one, provenance, lanes: 3) == reference.text)
        #expect(ReviewRenderer.html(one, provenance, lanes: 3) == reference.html)
        // Sorted by standing (what needs a human first), then e-mail, then Podero id; every standing is there.
        let keys = one.rows.map { ($0.standing.order, $0.email, $0.poderoID) }
        #expect(zip(keys, keys.dropFirst()).allSatisfy { $0 < $1 })
        #expect(Set(one.rows.map(\.standing)) == Set(AccessReview.Standing.allCases))
        #expect(Set(one.rows.flatMap(\.flags)) == Set(AccessReview.Flag.allCases))
        let decoded = try JSONSerialization.jsonObject(with: Data(reference.json.utf8)) as? [String: Any]
        #expect((decoded?["accounts"] as? [Any])?.count == one.rows.count)
        #expect(reference.csv.components(separatedBy: "\r\n").count == one.rows.count + 2)
        #expect(!reference.html.contains("<b>") && !reference.text.contains("\u{202E}") && !reference.csv.contains(",=cmd"))
    }
}
