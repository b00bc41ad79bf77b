import Foundation
import Logging
import TeamSyncCore

extension HeldSet {
    /// Keeps the departures among `actions` of people in no open held set (`known`) as a new
    /// held set, logged with the command that approves it; nil when there is nobody to keep.
    static func keep(_ actions: [PlanAction], known: Set<ExternalID>, reason: String, journal: any JournalStore, runID: String,
                     logger: Logger) async throws -> HeldSet? {
        var people: [HeldSet.Person] = []
        var seen = Set<ExternalID>()
        for action in actions where action.kind.isDeparture && !known.contains(action.person) {
            guard seen.insert(action.person).inserted, let role = action.roleBefore else { continue }
            people.append(HeldSet.Person(externalID: action.person, email: action.email, role: role, why: action.reason))
        }
        guard !people.isEmpty else { return nil }
        let set = HeldSet(id: HeldSet.newID(), since: Date(), reason: reason, people: people)
        try await journal.recordHeldSet(set, runID: runID)
        logger.warning("departures held for approval by name", metadata: [
            "held_id": "\(set.id)", "people": "\(people.count)", "approve": "\(set.approveCommand)",
        ])
        return set
    }
}
