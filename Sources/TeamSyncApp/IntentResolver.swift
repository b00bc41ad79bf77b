import Foundation
import Logging
import TeamSyncCore

/// Before a run acts, the intents a killed run left open are settled by looking at the
/// provider: a create that went through is recorded (never sent again), a delete that went
/// through is recorded, anything else is closed as abandoned and the new plan decides afresh.
package struct IntentResolver: Sendable {
    package var provider: any AccountProvider
    package var journal: any JournalStore
    package var runID: String
    package var logger: Logger

    package init(provider: any AccountProvider, journal: any JournalStore, runID: String, logger: Logger) {
        self.provider = provider
        self.journal = journal
        self.runID = runID
        self.logger = logger
    }

    /// Settles every open intent; returns how many were confirmed as done. A provider failure
    /// stops it (the run then fails before it plans: nothing is guessed).
    package func resolve(now: Date) async throws -> Int {
        var confirmed = 0
        for intent in try await journal.openIntents() {
            guard let externalID = intent.externalID, let change = try await confirmedChange(intent, externalID, now: now) else {
                try await journal.complete(intent: intent.id, outcome: .abandoned, change: nil, audit: [], now: now)
                continue
            }
            var poderoID = intent.poderoID
            if case .active(_, let id, _, _, _) = change { poderoID = id }
            let record = AuditRecord(
                time: now, runID: runID, action: intent.action.auditAction, outcome: .ok, externalUserID: externalID.rawValue,
                poderoUserID: poderoID, email: intent.email, roleAfter: intent.action == .create ? intent.role?.rawValue : nil,
                reason: "confirmed in Podero after an interrupted run (\(intent.runID))")
            try await journal.complete(intent: intent.id, outcome: .ok, change: change, audit: [record], now: now)
            logger.notice("settled an interrupted action", metadata: ["action": "\(intent.action.rawValue)", "external_user_id": "\(externalID)"])
            confirmed += 1
        }
        return confirmed
    }

    /// The journal change an interrupted intent turns out to have made, or nil when it did not
    /// (or cannot be told, as for updates, which the new plan simply repeats if still needed).
    private func confirmedChange(_ intent: OpenIntent, _ externalID: ExternalID, now: Date) async throws -> ManagedChange? {
        switch intent.action {
        case .create:
            guard let account = try await provider.account(externalID: externalID, includeDeleted: false),
                let role = intent.role ?? account.role.teamRole
            else { return nil }
            return .active(externalID: externalID, poderoID: account.id, email: account.email, role: role, adopted: false)
        case .softDelete:
            return try await provider.account(externalID: externalID, includeDeleted: false) == nil
                ? .softDeleted(externalID: externalID, at: now) : nil
        case .hardDelete:
            return try await provider.account(externalID: externalID, includeDeleted: true) == nil ? .removed(externalID: externalID) : nil
        case .updateRole, .updateProfile, .adopt, .markDeparted:
            return nil
        }
    }
}
