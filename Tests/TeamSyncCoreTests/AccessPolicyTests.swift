import Foundation
import Testing
import TeamSyncCore

@Suite("Expiring access and company e-mail only")
struct AccessPolicyTests {
    typealias S = Scenario
    static let day: TimeInterval = 86_400

    @Test("a person past their expiry is not desired: the departure takes the guarded path with the date as reason")
    func expiredDeparts() {
        var world = Scenario()
        var consultant = S.person("carla", in: [S.staff])
        consultant.expiresAt = S.start.addingTimeInterval(-Self.day)
        world.people = [consultant, S.person("bob", in: [S.staff])]
        world.remote = [S.account("carla", role: .staff), S.account("bob", role: .staff)]
        world.managed = [S.managed("carla", role: .staff), S.managed("bob", role: .staff)]
        world.policy.departureGrace = .seconds(7 * 86_400)
        let plan = world.plan()
        #expect(plan.summary == ["mark_departed carla"])
        let date = ExpiryText.date(consultant.expiresAt!)
        #expect(plan.actions[0].reason.hasPrefix("access expired on \(date) (directory.users.expires_attribute)"))
        #expect(plan.actions[0].reason.contains("departure grace 7d starts"))
    }

    @Test("a person whose expiry is still ahead is desired, listed as expiring, and the journal learns the date")
    func notYetExpired() {
        var world = Scenario()
        var consultant = S.person("carla", in: [S.staff])
        let expires = S.start.addingTimeInterval(3 * Self.day + 60)
        consultant.expiresAt = expires
        world.people = [consultant]
        world.remote = [S.account("carla", role: .staff)]
        world.managed = [S.managed("carla", role: .staff)]
        let plan = world.plan()
        #expect(plan.actions.isEmpty)
        #expect(plan.expiring.map(\.externalID.rawValue) == ["carla"])
        #expect(plan.journalUpdates.contains(.expiry(ExternalID("carla"), expires)))
        #expect(ExpiryText.relative(expires, now: S.start) == "expires in 3 days (\(ExpiryText.date(expires)))")
        // Once the journal has the date, no update repeats it.
        world.managed[0].expiresAt = expires
        #expect(!world.plan().journalUpdates.contains { if case .expiry = $0 { true } else { false } })
        // At the expiry itself the person is no longer desired.
        #expect(world.plan(at: expires).summary == ["mark_departed carla", "soft_delete carla"])
    }

    @Test("a newcomer outside sync.allowed_email_domains is skipped with email_domain_not_allowed, never created")
    func outsideDomainSkipped() {
        var world = Scenario()
        world.policy.allowedEmailDomains = ["example.com"]
        world.people = [S.person("alice", in: [S.staff]), S.person("eve", in: [S.admins], email: "eve@gmail.com"),
                        S.person("sub", in: [S.staff], email: "sub@eu.example.com"), S.person("upper", in: [S.staff], email: "upper@EXAMPLE.COM")]
        let plan = world.plan()
        #expect(plan.summary == ["create alice", "create upper", "skip eve", "skip sub"])
        #expect(plan.skipped.allSatisfy { $0.diagnostic.code == .emailDomainNotAllowed })
        #expect(plan.skipped[0].detail.contains("e-mail domain gmail.com is outside sync.allowed_email_domains"))
        #expect(plan.skipped[0].role == .admin)
    }

    @Test("a rule with allow_external_email admits outside addresses for its members only")
    func consultantsRule() {
        var world = Scenario()
        let consultants = DistinguishedName("cn=consultants,ou=groups,dc=example,dc=com")!
        world.rules = [RoleRule(group: S.admins, role: .admin), RoleRule(group: consultants, role: .staff, allowsExternalEmail: true)]
        world.policy.allowedEmailDomains = ["example.com"]
        world.people = [S.person("carla", in: [consultants], email: "carla@consult.example.org"),
                        S.person("eve", in: [S.admins, consultants], email: "eve@consult.example.org")]
        let plan = world.plan()
        // The first matching rule decides, e-mail allowance included: eve's admin rule does not allow it.
        #expect(plan.summary == ["create carla", "skip eve"])
    }

    @Test("a managed person who moves to a disallowed address departs through the guarded path, with that reason")
    func managedMovesOutside() {
        var world = Scenario()
        world.policy.allowedEmailDomains = ["example.com"]
        world.people = [S.person("alice", in: [S.staff], email: "alice@private.example.net")]
        world.remote = [S.account("alice", role: .staff)]
        world.managed = [S.managed("alice", role: .staff)]
        let plan = world.plan()
        #expect(plan.summary == ["mark_departed alice", "soft_delete alice"])
        #expect(plan.actions[0].reason.hasPrefix("e-mail domain private.example.net is outside sync.allowed_email_domains"))
        #expect(plan.skipped.isEmpty)
    }

    @Test("decide() says which rule matched and why each earlier one did not")
    func decision() {
        let mapper = RoleMapper(rules: S.rules, now: S.start)
        let decision = mapper.decide(S.person("bob", in: [S.staff], via: [S.leads]))
        #expect(decision.matched?.rule.role == .staff)
        #expect(decision.matched?.membership.explanation == "member of cn=podero-staff via cn=ops-leads")
        #expect(decision.notMatched.map(\.why) == ["not a member of cn=podero-admins, directly or through nested groups"])
        #expect(decision.undesiredReason == nil)
        #expect(mapper.decide(S.person("carol", in: [])).undesiredReason == "in no group of the roles rules")
        #expect(mapper.decide(S.person("dan", in: [S.admins], disabled: true)).undesiredReason?.hasPrefix("disabled") == true)
    }

    @Test("RFC 3339 timestamps as Podero may write them")
    func timestamps() {
        #expect(RFC3339.parse("2026-11-30T08:15:00Z")?.timeIntervalSince1970 == 1_796_026_500)
        #expect(RFC3339.parse("2026-11-30T09:15:00+01:00")?.timeIntervalSince1970 == 1_796_026_500)
        #expect(RFC3339.parse("2026-11-30T08:15:00.5Z")?.timeIntervalSince1970 == 1_796_026_500.5)
        #expect(RFC3339.parse("2026-11-30T08:15:00.123456+00:00") != nil)
        for bad in ["2026-11-30", "2026-13-01T00:00:00Z", "2026-11-30T08:15:00", "2026-11-30T08:15:00Zjunk", "", "yesterday"] {
            #expect(RFC3339.parse(bad) == nil, "\(bad)")
        }
        #expect(ExpiryText.date(Date(timeIntervalSince1970: 1_796_026_500)) == "2026-11-30")
        #expect(ExpiryText.date(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29")
        // The fast formatter (which the audit log's AuditTime uses from 1583 to 9999) writes what
        // Foundation's ISO 8601 formatter writes, whole seconds rounded down, at the edges too.
        let foundation = Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!)
        for seconds in [0, 951_782_399, 951_782_400, 1_796_026_500, 1_796_026_500.9, 4_102_444_799, -86_401, -0.5,
                        -12_212_553_600, 253_402_300_799, 253_402_300_799.7] as [TimeInterval] {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(RFC3339.format(date) == date.formatted(foundation), "\(seconds)")
            #expect(AuditTime.format(date) == date.formatted(foundation), "\(seconds)")
            #expect(RFC3339.parse(RFC3339.format(date))?.timeIntervalSince1970 == seconds.rounded(.down))
        }
    }
}
