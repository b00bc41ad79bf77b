import Foundation

/// desired × remote × journal × now → a deterministic plan. Pure and sequential: no I/O, no
/// clock of its own, no threads.
///
/// | journal | directory | Podero | action |
/// |---|---|---|---|
/// | — | desired | nothing | create |
/// | — | desired | team account with the external id | adopt (per `adopt_existing`), then updates |
/// | — | desired | team account with the e-mail, no external id | adopt if `by_external_id_or_email` |
/// | — | desired | end-user or foreign account in the way | skipped (a conflict) |
/// | active/departed | desired | the account | update_role / update_profile for what differs |
/// | active/departed | desired | the account, now an end-user | skipped (a conflict; never promoted back) |
/// | active/departed | desired | gone | create again |
/// | soft_deleted | desired | gone | create (restore attempt) |
/// | restore_blocked | desired | the blocker is still listed | nothing (the blocker's id is recorded) |
/// | restore_blocked | desired | no blocker in the list with soft-deleted accounts | create (restore attempt) |
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

    /// Plans one sync. `remote` holds soft-deleted accounts too (marked) when it was listed
    /// with them: `includesDeleted` says so, and only then can a blocked restore be retried.
    package func plan(
        directory: DirectorySnapshot, remote: [RemoteAccount], includesDeleted: Bool = false, managed: [ManagedAccount], now: Date
    ) -> Plan {
        plan(directory: directory, prepared: prepare(remote: remote, includesDeleted: includesDeleted, managed: managed, now: now))
    }

    /// Indexes Podero's accounts and the journal for planning. Separate from `plan` so that a
    /// sync can do it while the directory is still being read.
    package func prepare(remote: [RemoteAccount], includesDeleted: Bool = false, managed: [ManagedAccount], now: Date) -> PreparedAccounts {
        PreparedAccounts(context: PlanningContext(policy: policy, remote: remote, includesDeleted: includesDeleted, managed: managed, now: now))
    }

    /// Plans one sync against prepared accounts.
    package func plan(directory: DirectorySnapshot, prepared: PreparedAccounts) -> Plan {
        combine([planPeople(directory.people[...], prepared: prepared)], directory: directory, prepared: prepared)
    }

    /// Maps and plans the directory's people: each person's actions depend only on that person
    /// and the prepared indexes.
    func planPeople(_ people: ArraySlice<DirectoryPerson>, prepared: PreparedAccounts) -> PartialPlan {
        var context = prepared.context
        let mapping = mapper(now: context.now).map(people)
        for desired in mapping.desired {
            context.planDesired(desired)
        }
        for outside in mapping.outsideAllowedDomains where context.managedAccount(outside.externalID) == nil {
            // Never created; an account we manage for them departs (its reason is in undesiredReasons).
            context.skipped.append(SkippedEntry(
                dn: outside.dn, externalID: outside.externalID, email: outside.email,
                diagnostic: Diagnostic(.emailDomainNotAllowed, entry: outside.dn.normalized,
                    message: "e-mail domain \(outside.email.domainKey) is outside sync.allowed_email_domains and rule \(outside.membership.group.leaf) does not set allow_external_email; not created"),
                role: outside.role))
        }
        let expiring = mapping.desired.compactMap { desired in
            desired.expiresAt.map { ExpiringAccess(externalID: desired.externalID, email: desired.email.value, role: desired.role, expiresAt: $0) }
        }
        return PartialPlan(
            actions: context.actions, skipped: context.skipped, journalUpdates: context.journalUpdates,
            desiredIDs: mapping.desiredIDs, undesiredReasons: mapping.undesiredReasons, expiring: expiring)
    }

    /// The role mapper this planner uses, with `sync.allowed_email_domains` and the clock.
    package func mapper(now: Date) -> RoleMapper {
        RoleMapper(rules: rules, allowedEmailDomains: policy.allowedEmailDomains, now: now)
    }

    /// Joins what `planPeople` gave (in directory order) and plans the departures.
    func combine(_ parts: [PartialPlan], directory: DirectorySnapshot, prepared: PreparedAccounts) -> Plan {
        var context = prepared.context
        context.actions = parts.flatMap(\.actions)
        context.journalUpdates = parts.flatMap(\.journalUpdates)
        let skippedIDs = Set(directory.skipped.compactMap(\.externalID))
        // A skipped entry keeps the account last seen at its DN, whatever it lacks (its id may be
        // hidden by an ACL); one without an id at an unknown DN could be anyone.
        var skippedAtDN: [String: SkippedEntry] = [:]
        for entry in directory.skipped where skippedAtDN[entry.dn.normalized] == nil { skippedAtDN[entry.dn.normalized] = entry }
        let lastDNs = Set(context.managedAccounts.compactMap(\.lastDN))
        for account in context.managedAccounts
        where !skippedIDs.contains(account.externalID) && !parts.contains(where: { $0.desiredIDs.contains(account.externalID) }) {
            if let dn = account.lastDN, let entry = skippedAtDN[dn] {
                context.hold(account, "its entry \(dn) was skipped (\(entry.diagnostic.code.rawValue): \(entry.diagnostic.message)); the account is kept until the entry can be read")
                continue
            }
            let reason = parts.lazy.compactMap { $0.undesiredReasons[account.externalID] }.first
            context.planUndesired(account, reason: reason)
        }
        var plan = Plan(
            actions: context.actions, skipped: directory.skipped + parts.flatMap(\.skipped),
            journalUpdates: context.journalUpdates, diagnostics: directory.diagnostics)
        plan.held = context.held
        plan.expiring = parts.flatMap(\.expiring).sorted { $0.expiresAt < $1.expiresAt }
        plan.unidentified = directory.skipped.filter { $0.externalID == nil && !lastDNs.contains($0.dn.normalized) }.map(\.dn)
        return plan
    }
}

/// What planning the directory's people gave (`Planner.planPeople`).
struct PartialPlan: Sendable {
    var actions: [PlanAction] = []
    var skipped: [SkippedEntry] = []
    var journalUpdates: [JournalUpdate] = []
    var desiredIDs: Set<ExternalID> = []
    var undesiredReasons: [ExternalID: String] = [:]
    var expiring: [ExpiringAccess] = []
}

/// Podero's accounts and the journal's, indexed for `Planner.plan(directory:prepared:)`.
package struct PreparedAccounts: Sendable {
    fileprivate let context: PlanningContext

    /// Managed accounts that are live (not soft-deleted), for the safety limits.
    package var managedLiveCount: Int { context.managedAccounts.filter { $0.state.isLive }.count }
}
