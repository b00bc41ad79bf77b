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
    /// The review's Podero and journal half, made while the directory was read (`review` only).
    package var prepared: AccessReview.Prepared?

    /// The review (`prepared` finished with the directory, or built from the inputs).
    package func review(includeDeleted: Bool) -> AccessReview {
        if let prepared, prepared.includeDeleted == includeDeleted {
            return AccessReview(prepared, snapshot: inputs.snapshot, rules: inputs.rules)
        }
        return AccessReview(inputs, includeDeleted: includeDeleted)
    }
}

extension CommandEnvironment {
    /// Reads everything `review` and `explain` need. Complete-or-error like a sync's reads: an
    /// incomplete directory read or a Podero list that lacks managed accounts throws.
    /// `prepareReview` (for `review`, with its `--include-deleted`) also makes the review's
    /// Podero and journal half while the directory is still being read.
    package func gatherReviewMaterial(prepareReview includeDeleted: Bool? = nil) async throws -> ReviewMaterial {
        let journal = try openJournalReadOnly()
        let configuration = self.configuration
        let now = Date()
        return try await withCycle { cycle, directory, client in
            async let snapshot = directory.readSnapshot()
            async let accounts = { [client] in
                let managed = try await journal?.managedAccounts() ?? []
                // Soft-deleted accounts are rows only with --include-deleted, or behind a blocked
                // restore; `explain` (no prepared review) shows them too. Otherwise the live list
                // is all a review shows, as a sync reads it (a second list of everyone saved).
                let needsDeleted = includeDeleted ?? true || managed.contains { if case .restoreBlocked = $0.state { true } else { false } }
                let remote = try await client.listAccounts(includeDeleted: needsDeleted)
                try await RemoteListCheck(provider: client, maxMissingPercent: configuration.policy.maxDeletionPercent,
                    maxMissing: configuration.policy.maxDeletions).check(listed: remote, managed: managed)
                let prepared = includeDeleted.map { includeDeleted in
                    AccessReview.Prepared(remote: remote, managed: managed, policy: configuration.policy, settings: configuration.review,
                                          now: now, includeDeleted: includeDeleted)
                }
                return (managed: managed, remote: remote, prepared: prepared)
            }()
            let head = try await journal?.auditHead()
            let (managed, remote, prepared) = try await accounts
            let inputs = AccessReview.Inputs(
                snapshot: try await snapshot, remote: remote, managed: managed, rules: configuration.rules,
                policy: configuration.policy, settings: configuration.review, now: now)
            return ReviewMaterial(
                inputs: inputs,
                provenance: ReviewRenderer.Provenance(configuration: configuration.sourcePath, auditHead: head),
                journal: journal, prepared: prepared)
        }
    }
}
