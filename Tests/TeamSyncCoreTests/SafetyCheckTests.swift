import Foundation
import Testing
import TeamSyncCore

@Suite("Safety: no mass deletion after a bad read")
struct SafetyCheckTests {
    private func departures(_ count: Int) -> Plan {
        Plan(actions: (0..<count).flatMap { n -> [PlanAction] in
            let account = ManagedAccount(externalID: ExternalID("p\(n)"), poderoID: "id-\(n)", email: "p\(n)@example.com", role: .staff, firstSeen: Date())
            return [PlanAction(person: account.externalID, email: account.email, reason: "gone", change: .markDeparted(account)),
                    PlanAction(person: account.externalID, email: account.email, reason: "gone", change: .softDelete(account))]
        } + [PlanAction(person: ExternalID("new"), email: "new@example.com", reason: "joined", change: .create(
            NewAccount(role: .staff, email: "new@example.com", firstName: nil, lastName: nil, externalID: ExternalID("new")), isRestore: false))])
    }

    private let check = SafetyCheck(maxDeletions: 10, maxDeletionPercent: 20)

    @Test("an empty read is refused even with nothing to delete")
    func emptyRead() {
        let input = SafetyCheck.Input(matchedCount: 0, lastGoodMatchedCount: 100, managedLiveCount: 50)
        #expect(check.refusals(for: Plan(actions: []), input).first?.contains("no people at all") == true)
    }

    @Test("issue 15 #23: a rolling 24-hour limit on soft deletes, on top of the per-run ones; --max-deletions lifts it for one run")
    func perDay() {
        let daily = SafetyCheck(maxDeletions: 10, maxDeletionPercent: 100, maxDeletionsPerDay: 25)
        let input = { (recent: Int) in SafetyCheck.Input(matchedCount: 95, lastGoodMatchedCount: 100, managedLiveCount: 200, softDeletesLastDay: recent) }
        #expect(daily.refusals(for: departures(9), input(16)).isEmpty)  // 16 + 9 = 25
        let refused = daily.refusals(for: departures(9), input(17))
        #expect(refused == ["9 soft deletes now and 17 in the last 24 hours would be more than sync.max_deletions_per_day (25)"], "\(refused)")
        // Nine a cycle, every cycle: the third cycle of the day is refused.
        #expect(daily.refusals(for: departures(9), input(18)).count == 1)
        #expect(SafetyCheck(maxDeletions: 10, maxDeletionPercent: 100, maxDeletionsPerDay: 25, override: 9).refusals(for: departures(9), input(100)).isEmpty)
        #expect(SafetyCheck(maxDeletions: 10, maxDeletionPercent: 100).maxDeletionsPerDay == .max)  // the default lives in SyncPolicy
        #expect(SyncPolicy().maxDeletionsPerDay == 25)
    }

    @Test("within the limits: allowed (each person counted once)")
    func allowed() {
        let input = SafetyCheck.Input(matchedCount: 95, lastGoodMatchedCount: 100, managedLiveCount: 50)
        #expect(check.refusals(for: departures(10), input).isEmpty)
    }

    @Test("more than max_deletions")
    func tooMany() {
        let input = SafetyCheck.Input(matchedCount: 1000, lastGoodMatchedCount: 1000, managedLiveCount: 1000)
        let reasons = check.refusals(for: departures(11), input)
        #expect(reasons == ["11 people would be removed, more than sync.max_deletions (10)"])
    }

    @Test("more than max_deletion_percent of managed accounts")
    func tooLargeShare() {
        let input = SafetyCheck.Input(matchedCount: 100, lastGoodMatchedCount: 100, managedLiveCount: 20)
        let reasons = check.refusals(for: departures(5), input)
        #expect(reasons.count == 1)
        #expect(reasons[0].contains("5 of 20 managed accounts (25%)"))
    }

    @Test("the directory shrank too much since the last good read, and deletions are due")
    func shrank() {
        let input = SafetyCheck.Input(matchedCount: 70, lastGoodMatchedCount: 100, managedLiveCount: 1000)
        #expect(check.refusals(for: departures(2), input) == ["the directory shrank from 100 to 70 people (−30%) since the last good read, more than sync.max_deletion_percent (20%)"])
        #expect(check.refusals(for: Plan(actions: []), input).isEmpty)  // nothing due: nothing to refuse
    }

    @Test("--max-deletions N lifts every limit for one run, but no further than N")
    func override() {
        let input = SafetyCheck.Input(matchedCount: 50, lastGoodMatchedCount: 100, managedLiveCount: 20)
        #expect(SafetyCheck(maxDeletions: 10, maxDeletionPercent: 20, override: 15).refusals(for: departures(15), input).isEmpty)
        #expect(SafetyCheck(maxDeletions: 10, maxDeletionPercent: 20, override: 14).refusals(for: departures(15), input)
            == ["15 people would be removed, more than --max-deletions 14"])
    }

    @Test("a refused plan keeps creates and updates and drops every departure")
    func withoutDepartures() {
        #expect(departures(3).withoutDepartures.summary == ["create new"])
    }
}
