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
        let mapping = RoleMapper(rules: rules).map(directory)
        var context = PlanningContext(policy: policy, remote: remote, managed: managed, now: now)
        for desired in mapping.desired.values {
            context.planDesired(desired)
        }
        let skippedIDs = Set(directory.skipped.compactMap(\.externalID))
        for account in managed where mapping.desired[account.externalID] == nil && !skippedIDs.contains(account.externalID) {
            context.planUndesired(account, reason: mapping.undesiredReasons[account.externalID])
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
}
