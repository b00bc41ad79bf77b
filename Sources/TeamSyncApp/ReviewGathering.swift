import Foundation
import SyncJournal
import TeamSyncCore

/// What `review` and `explain` read: the directory, Podero's whole list (soft-deleted accounts
/// too) and the journal, concurrently. Nothing is written anywhere.
package struct ReviewMaterial: Sendable {
    package var inputs: AccessReview.Inputs
    package var provenance: ReviewRenderer.Provenance
    /// The journal, opened read-only (nil before the first sync).
    package var journal: SyncJournal?
}

extension CommandEnvironment {
    /// Reads everything `review` and `explain` need. Complete-or-error like a sync's reads: an
    /// incomplete directory read or a Podero list that lacks managed accounts throws.
    package func gatherReviewMaterial() async throws -> ReviewMaterial {
        let journal = try openJournalReadOnly()
        let configuration = self.configuration
        let now = Date()
        return try await withCycle { cycle, directory, client in
            async let snapshot = directory.readSnapshot()
            async let listed = client.listAccounts(includeDeleted: true)
            let managed = try await journal?.managedAccounts() ?? []
            let head = try await journal?.auditHead()
            let remote = try await listed
            try await RemoteListCheck(provider: client, maxMissingPercent: configuration.policy.maxDeletionPercent,
                maxMissing: configuration.policy.maxDeletions).check(listed: remote, managed: managed)
            let inputs = AccessReview.Inputs(
                snapshot: try await snapshot, remote: remote, managed: managed, rules: configuration.rules,
                policy: configuration.policy, settings: configuration.review, now: now)
            return ReviewMaterial(
                inputs: inputs,
                provenance: ReviewRenderer.Provenance(configuration: configuration.sourcePath, auditHead: head),
                journal: journal)
        }
    }
}
