import Foundation

/// desired × remote × journal × now → a deterministic plan. Pure: no I/O, no clock of its own.
///
/// | journal | directory | Podero (live) | action |
/// |---|---|---|---|
/// | — | desired | nothing | create |
/// | — | desired | team account with the external id | adopt (per `adopt_existing`), then updates |
/// | — | desired | team account with the e-mail, no external id | adopt if `by_external_id_or_email` |
/// | — | desired | end-user or foreign account in the way | skip |
/// | active/departed | desired | the account | update_role / update_profile for what differs |
/// | active/departed | desired | gone | create again |
/// | soft_deleted | desired | gone | create (restore attempt) |
/// | restore_blocked | desired | gone | create again once a day |
/// | active | not desired | the account | mark_departed (+ soft_delete when the grace is 0) |
/// | departed | not desired | the account | soft_delete once the grace has passed |
/// | soft_deleted | not desired | — | hard_delete once `hard_delete_after` has passed |
/// | any | skipped entry | any | nothing (never treated as departed) |
package struct Planner: Sendable {
    package var policy: SyncPolicy
    package var rules: [RoleRule]

    /// Creates a planner.
    package init(policy: SyncPolicy, rules: [RoleRule]) {
        self.policy = policy
        self.rules = rules
    }

    /// Plans one sync.
    package func plan(directory: DirectorySnapshot, remote: [RemoteAccount], managed: [ManagedAccount], now: Date) -> Plan {
        plan(directory: directory, prepared: prepare(remote: remote, managed: managed, now: now))
    }

    /// Indexes Podero's accounts and the journal for planning. Separate from `plan` so that a
    /// sync can do it while the directory is still being read.
    package func prepare(remote: [RemoteAccount], managed: [ManagedAccount], now: Date) -> PreparedAccounts {
        PreparedAccounts(context: PlanningContext(policy: policy, remote: remote, managed: managed, now: now))
    }

    /// Plans one sync against prepared accounts. A large directory is mapped and planned in two
    /// halves at once (each person's actions depend only on that person and the indexes); the
    /// halves are joined in order, so the plan is the same as planned in one piece.
    package func plan(directory: DirectorySnapshot, prepared: PreparedAccounts) -> Plan {
        let people = directory.people
        let pieces = people.count >= Self.splitThreshold ? 2 : 1
        var parts = [PartialPlan](repeating: PartialPlan(), count: pieces)
        parts.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let output = buffer
            let mapper = RoleMapper(rules: rules)
            DispatchQueue.concurrentPerform(iterations: pieces) { piece in
                let bounds = people.count * piece / pieces..<people.count * (piece + 1) / pieces
                let mapping = mapper.map(people[bounds])
                var context = prepared.context
                for desired in mapping.desired {
                    context.planDesired(desired)
                }
                output[piece] = PartialPlan(
                    actions: context.actions, journalUpdates: context.journalUpdates,
                    desiredIDs: mapping.desiredIDs, undesiredReasons: mapping.undesiredReasons)
            }
        }
        var context = prepared.context
        context.actions = parts.flatMap(\.actions)
        context.journalUpdates = parts.flatMap(\.journalUpdates)
        let skippedIDs = Set(directory.skipped.compactMap(\.externalID))
        for account in context.managedAccounts
        where !parts.contains(where: { $0.desiredIDs.contains(account.externalID) }) && !skippedIDs.contains(account.externalID) {
            let reason = parts.lazy.compactMap { $0.undesiredReasons[account.externalID] }.first
            context.planUndesired(account, reason: reason)
        }
        for entry in directory.skipped {
            let detail = directory.diagnostics.first { $0.entry == entry.dn.normalized && $0.code == entry.reason }
            context.actions.append(PlanAction(
                .skip, externalID: entry.externalID, email: entry.email?.value,
                poderoID: entry.externalID.flatMap { context.managedAccount($0)?.poderoID },
                reason: "\(entry.dn.normalized): \(detail?.message ?? entry.reason.rawValue)"))
        }
        return Plan(actions: context.actions, journalUpdates: context.journalUpdates, diagnostics: directory.diagnostics)
    }

    /// From how many people planning is split in two.
    static let splitThreshold = 20_000

    /// What planning one piece of the directory gave.
    private struct PartialPlan {
        var actions: [PlanAction] = []
        var journalUpdates: [JournalUpdate] = []
        var desiredIDs: Set<ExternalID> = []
        var undesiredReasons: [ExternalID: String] = [:]
    }
}

/// Podero's accounts and the journal's, indexed for `Planner.plan(directory:prepared:)`.
package struct PreparedAccounts: Sendable {
    fileprivate let context: PlanningContext

    /// Managed accounts that are live (not soft-deleted), for the safety limits.
    package var managedLiveCount: Int { context.managedAccounts.filter { $0.state.isLive }.count }
}
