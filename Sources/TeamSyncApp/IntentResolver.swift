import Foundation
import Logging
import SyncJournal
import TeamSyncCore

/// Before a run acts, the intents a killed run left open are settled by looking at Podero: a
/// create that went through is recorded (never sent again), a delete that went through is
/// recorded, anything else is closed as abandoned and the new plan decides afresh.
struct IntentResolver {
    var provider: any AccountProvider
    var journal: SyncJournal
    var runID: String
    var logger: Logger

    /// Settles every open intent; returns how many were confirmed as done.
    func resolve(now: Date) async throws -> Int {
        let open = try await journal.openIntents()
        var confirmed = 0
        for intent in open {
            guard let externalID = intent.externalID else {
                try await journal.complete(intent: intent.id, outcome: "abandoned", change: nil, audit: [], now: now)
                continue
            }
            let reason = "confirmed in Podero after an interrupted run (\(intent.runID))"
            var change: ManagedChange?
            switch intent.action {
            case "create":
                if let account = try await provider.account(externalID: externalID, includeDeleted: false) {
                    change = .active(externalID: externalID, poderoID: account.id, email: account.email, role: intent.role ?? account.role.teamRole ?? .staff, adopted: false)
                }
            case "soft_delete":
                if try await provider.account(externalID: externalID, includeDeleted: false) == nil {
                    change = .softDeleted(externalID: externalID, at: now)
                }
            case "hard_delete":
                if try await provider.account(externalID: externalID, includeDeleted: true) == nil {
                    change = .removed(externalID: externalID)
                }
            default:
                break  // updates are idempotent: the new plan repeats them if still needed
            }
            guard let change else {
                try await journal.complete(intent: intent.id, outcome: "abandoned", change: nil, audit: [], now: now)
                continue
            }
            var poderoID = intent.poderoID
            if case .active(_, let id, _, _, _) = change { poderoID = id }
            let record = AuditRecord(time: now, runID: runID, action: intent.action, outcome: .ok, externalUserID: externalID.rawValue,
                poderoUserID: poderoID, email: intent.email, roleAfter: intent.action == "create" ? intent.role?.rawValue : nil,
                reason: reason)
            try await journal.complete(intent: intent.id, outcome: "ok", change: change, audit: [record], now: now)
            logger.notice("settled an interrupted action", metadata: ["action": "\(intent.action)", "external_user_id": "\(externalID)"])
            confirmed += 1
        }
        return confirmed
    }
}
