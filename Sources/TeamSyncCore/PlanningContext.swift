import Foundation

/// The indexes and the growing plan of one `Planner.plan` call. Indexes hold positions in the
/// arrays, not copies; the ones only newcomers and relinks need are built on first use, so a
/// large organisation in sync pays for two indexes only.
struct PlanningContext: Sendable {
    let policy: SyncPolicy
    let now: Date
    /// Podero's accounts that are not soft-deleted.
    private let live: [RemoteAccount]
    /// Soft-deleted accounts, when the list included them (`includesDeleted`).
    private let deleted: [RemoteAccount]
    private let includesDeleted: Bool
    private let managed: [ManagedAccount]
    private let liveIndexByExternalID: [ExternalID: Int]
    private let managedIndexByID: [ExternalID: Int]
    private var liveIndexByIDStorage: [String: Int]?
    private var liveIndexByEmailStorage: [String: Int]?
    private var managedPoderoIDsStorage: Set<String>?
    /// `sync.protected_emails`, lower-cased.
    let protectedEmails: Set<String>
    var actions: [PlanAction] = []
    var skipped: [SkippedEntry] = []
    var journalUpdates: [JournalUpdate] = []
    var held: [HeldDeparture] = []

    init(policy: SyncPolicy, remote: [RemoteAccount], includesDeleted: Bool, managed: [ManagedAccount], now: Date) {
        self.policy = policy
        self.now = now
        let live = remote.contains(where: \.isSoftDeleted) ? remote.filter { !$0.isSoftDeleted } : remote
        self.live = live
        self.deleted = includesDeleted ? remote.filter(\.isSoftDeleted) : []
        self.includesDeleted = includesDeleted
        self.managed = managed
        liveIndexByExternalID = Self.firstIndexes(live.indices, key: { live[$0].externalID })
        managedIndexByID = Self.firstIndexes(managed.indices, key: { managed[$0].externalID })
        protectedEmails = Set(policy.protectedEmails.map { $0.caseFoldedKey() })
    }

    /// key → the first index with that key.
    private static func firstIndexes<Key: Hashable>(_ indices: Range<Int>, key: (Int) -> Key?) -> [Key: Int] {
        var result: [Key: Int] = [:]
        result.reserveCapacity(indices.count)
        for index in indices {
            guard let key = key(index) else { continue }
            if result[key] == nil { result[key] = index }
        }
        return result
    }

    /// Every account the journal manages.
    var managedAccounts: [ManagedAccount] { managed }

    /// The managed account of this person, if any.
    func managedAccount(_ id: ExternalID) -> ManagedAccount? { managedIndexByID[id].map { managed[$0] } }

    /// The live account with Podero id `id`, which normally carries `externalID` too: that is
    /// looked up first (ids hash once, when decoded); the id index is built only when needed.
    private mutating func remote(id: String, externalID: ExternalID) -> RemoteAccount? {
        if let index = liveIndexByExternalID[externalID], live[index].id == id { return live[index] }
        if liveIndexByIDStorage == nil { liveIndexByIDStorage = Self.firstIndexes(live.indices, key: { live[$0].id }) }
        return liveIndexByIDStorage![id].map { live[$0] }
    }

    private func remote(externalID: ExternalID) -> RemoteAccount? { liveIndexByExternalID[externalID].map { live[$0] } }

    private mutating func remote(emailKey: String) -> RemoteAccount? {
        if liveIndexByEmailStorage == nil {
            liveIndexByEmailStorage = Self.firstIndexes(live.indices, key: { live[$0].email.caseFoldedKey() })
        }
        return liveIndexByEmailStorage![emailKey].map { live[$0] }
    }

    private mutating func isManaged(poderoID: String) -> Bool {
        if managedPoderoIDsStorage == nil { managedPoderoIDsStorage = Set(managed.map(\.poderoID)) }
        return managedPoderoIDsStorage!.contains(poderoID)
    }

    // MARK: Desired people

    mutating func planDesired(_ desired: DesiredAccount) {
        guard !protectedEmails.contains(desired.email.key) else { return }
        guard let account = managedAccount(desired.externalID) else {
            planNewcomer(desired)
            if actions.last?.person == desired.externalID {
                journalUpdates.append(.lastSeen(desired.externalID, dn: desired.dn.normalized))
                if let expires = desired.expiresAt { journalUpdates.append(.expiry(desired.externalID, expires)) }
            }
            return
        }
        if account.lastDN != desired.dn.normalized { journalUpdates.append(.lastSeen(desired.externalID, dn: desired.dn.normalized)) }
        if account.expiresAt != desired.expiresAt { journalUpdates.append(.expiry(desired.externalID, desired.expiresAt)) }
        if let live = remote(id: account.poderoID, externalID: desired.externalID) {
            guard live.role.teamRole != nil else {
                // Someone made our account an end-user in Podero: end-users are never touched.
                skip(desired, live, "the managed account was made an end-user (\(live.role.apiValue)) in Podero; it is never touched, so it needs a human")
                return
            }
            if account.state != .active { journalUpdates.append(.reactivate(desired.externalID)) }
            planUpdates(desired, live, role: account.role)
            return
        }
        if let relinked = remote(externalID: desired.externalID), let team = relinked.role.teamRole,
            !isManaged(poderoID: relinked.id)
        {
            guard policy.adoptRoles.contains(team) else {
                skip(desired, relinked, Self.roleNotAdoptable(team))
                return
            }
            // Someone restored or re-created the account by hand: take it back.
            actions.append(adopt(desired, relinked, current: team, reason: "an account with this external id is live again; linking it"))
            planUpdates(desired, relinked, role: team)
            return
        }
        switch account.state {
        case .active, .departed:
            actions.append(create(desired, reason: "\(desired.reason); the managed account is gone from Podero, creating it again"))
        case .softDeleted:
            actions.append(create(desired, reason: "\(desired.reason); returns after the old account was soft-deleted", restore: true))
        case .restoreBlocked(_, let blockedBy):
            // Without the soft-deleted accounts in view, nobody can tell whether the blocker is gone.
            guard includesDeleted else { return }
            if let blocker = restoreBlocker(desired, account) {
                if blocker.id != blockedBy { journalUpdates.append(.restoreBlockedBy(desired.externalID, poderoID: blocker.id)) }
            } else {
                actions.append(create(desired, reason: "\(desired.reason); the account that blocked the restore is gone, creating it", restore: true))
            }
        }
    }

    /// The account that keeps Podero from creating `desired` again: a soft-deleted account
    /// with its external id or e-mail (normally our old one), or a live one with its e-mail.
    private mutating func restoreBlocker(_ desired: DesiredAccount, _ account: ManagedAccount) -> RemoteAccount? {
        if let old = deleted.first(where: {
            $0.id == account.poderoID || $0.externalID == desired.externalID || $0.email.caseFoldedKey() == desired.email.key
        }) {
            return old
        }
        return remote(emailKey: desired.email.key)
    }

    private mutating func planNewcomer(_ desired: DesiredAccount) {
        if let existing = remote(externalID: desired.externalID) {
            guard let team = existing.role.teamRole else {
                skip(desired, existing, "an end-user account carries this external id; it is never touched")
                return
            }
            guard !isManaged(poderoID: existing.id) else {
                skip(desired, existing, "the account carrying this external id is managed for another person")
                return
            }
            guard policy.adoptExisting != .none else {
                skip(desired, existing, "an unmanaged account carries this external id and sync.adopt_existing is none")
                return
            }
            guard policy.adoptRoles.contains(team) else {
                skip(desired, existing, Self.roleNotAdoptable(team))
                return
            }
            actions.append(adopt(desired, existing, current: team, reason: "\(desired.reason); adopting the existing account with this external id"))
            planUpdates(desired, existing, role: team)
            return
        }
        if let existing = remote(emailKey: desired.email.key) {
            let adoptable = existing.externalID == nil && policy.adoptExisting == .byExternalIDOrEmail && !isManaged(poderoID: existing.id)
            guard let team = existing.role.teamRole, adoptable else {
                let why = existing.role.teamRole == nil
                    ? "an end-user account uses this e-mail; it is never touched"
                    : existing.externalID != nil
                        ? "an account with another external id uses this e-mail"
                        : "an unmanaged account uses this e-mail and sync.adopt_existing is not by_external_id_or_email"
                skip(desired, existing, why)
                return
            }
            guard policy.adoptRoles.contains(team) else {
                skip(desired, existing, Self.roleNotAdoptable(team))
                return
            }
            actions.append(adopt(desired, existing, current: team, reason: "\(desired.reason); adopting the existing account with this e-mail"))
            planUpdates(desired, existing, role: team)
            return
        }
        actions.append(create(desired, reason: desired.reason))
    }

    /// update_role and update_profile for whatever differs between the directory and Podero.
    private mutating func planUpdates(_ desired: DesiredAccount, _ remote: RemoteAccount, role: Role?) {
        let currentRole = remote.role.teamRole
        if currentRole != desired.role {
            actions.append(PlanAction(
                person: desired.externalID, email: desired.email.value, reason: desired.reason,
                change: .updateRole(poderoID: remote.id, from: currentRole ?? role, to: desired.role)))
        }
        var changes = AccountChanges()
        if remote.email != desired.email.value, remote.email.caseFoldedKey() != desired.email.key { changes.email = desired.email.value }
        if Self.normalized(remote.firstName) != desired.firstName { changes.firstName = .some(desired.firstName) }
        if Self.normalized(remote.lastName) != desired.lastName { changes.lastName = .some(desired.lastName) }
        if remote.externalID != desired.externalID { changes.externalID = desired.externalID }
        if !changes.isEmpty {
            actions.append(PlanAction(
                person: desired.externalID, email: desired.email.value,
                reason: "directory changed: " + changes.fieldNames.joined(separator: ", "),
                change: .updateProfile(poderoID: remote.id, changes, current: currentRole, desired: desired.role)))
        }
    }

    // MARK: People no longer desired

    mutating func planUndesired(_ account: ManagedAccount, reason: String?) {
        guard !protectedEmails.contains(account.email.caseFoldedKey()) else { return }
        let why = reason ?? "no longer matched by directory.users (base DN and filter)"
        let grace = policy.departureGrace
        if account.state.isLive, let live = remote(id: account.poderoID, externalID: account.externalID),
            let disagreement = disagreement(account, live)
        {
            // A journal row alone never decides a deletion: the live account must agree with it.
            hold(account, "\(why), but \(disagreement); nothing is deleted")
            return
        }
        switch account.state {
        case .active:
            actions.append(departure(.markDeparted(account), account, "\(why); departure grace \(DurationText.format(grace)) starts"))
            if grace == .zero {
                actions.append(departure(.softDelete(account), account, "\(why); no departure grace"))
            }
        case .departed(let since):
            if now.timeIntervalSince(since) >= grace.timeInterval {
                actions.append(departure(.softDelete(account), account, "\(why); departure grace \(DurationText.format(grace)) has passed"))
            }
        case .softDeleted(let at):
            if let purge = policy.hardDeleteAfter, now.timeIntervalSince(at) >= purge.timeInterval {
                planHardDelete(account, after: purge)
            }
        case .restoreBlocked:
            journalUpdates.append(.closeBlockedRestore(account.externalID))
        }
    }

    /// Why the live account no longer matches the journal's row, or nil when it does.
    private func disagreement(_ account: ManagedAccount, _ live: RemoteAccount) -> String? {
        if let disagreement = account.disagreement(with: live) { return disagreement }
        if protectedEmails.contains(live.email.caseFoldedKey()) { return "its Podero account \(live.id) has a protected e-mail (sync.protected_emails)" }
        return nil
    }

    /// A hard delete only of an account that is still soft-deleted and still ours: never of one
    /// restored by hand (live again), nor of one the list with soft-deleted accounts shows with
    /// another external id, another role or a protected e-mail. Gone from Podero: nothing to
    /// protect (the delete is tolerated and the row removed).
    private mutating func planHardDelete(_ account: ManagedAccount, after purge: Duration) {
        let reason = "soft-deleted more than sync.hard_delete_after (\(DurationText.format(purge))) ago"
        guard includesDeleted else { return }  // listed with soft-deleted accounts only when a purge may be due
        if let live = remote(id: account.poderoID, externalID: account.externalID), live.id == account.poderoID {
            hold(account, "\(reason), but its Podero account \(live.id) is live again (restored by hand); nothing is deleted")
            return
        }
        if let old = deleted.first(where: { $0.id == account.poderoID }), let disagreement = disagreement(account, old) {
            hold(account, "\(reason), but \(disagreement); nothing is deleted")
            return
        }
        actions.append(departure(.hardDelete(account), account, reason))
    }

    /// Keeps the account of a person who is gone, as a case for a human.
    mutating func hold(_ account: ManagedAccount, _ detail: String) {
        held.append(HeldDeparture(account: account, detail: detail))
    }

    // MARK: Building actions

    private func create(_ desired: DesiredAccount, reason: String, restore: Bool = false) -> PlanAction {
        let account = NewAccount(
            role: desired.role, email: desired.email.value, firstName: desired.firstName,
            lastName: desired.lastName, externalID: desired.externalID)
        return PlanAction(person: desired.externalID, email: desired.email.value, reason: reason, change: .create(account, isRestore: restore))
    }

    private static func roleNotAdoptable(_ role: Role) -> String {
        "an unmanaged \(role.rawValue) account is in the way and sync.adopt_roles does not include \(role.rawValue); it is never taken over"
    }

    private func adopt(_ desired: DesiredAccount, _ remote: RemoteAccount, current: Role, reason: String) -> PlanAction {
        PlanAction(person: desired.externalID, email: desired.email.value, reason: reason,
            change: .adopt(poderoID: remote.id, current: current, desired: desired.role))
    }

    /// Leaves `desired` alone because `remote` is in the way.
    private mutating func skip(_ desired: DesiredAccount, _ remote: RemoteAccount, _ why: String) {
        skipped.append(SkippedEntry(
            dn: desired.dn, externalID: desired.externalID, email: desired.email,
            diagnostic: Diagnostic(.accountConflict, entry: desired.dn.normalized, message: why),
            poderoID: remote.id, role: desired.role))
    }

    private func departure(_ change: PlanAction.Change, _ account: ManagedAccount, _ reason: String) -> PlanAction {
        PlanAction(person: account.externalID, email: account.email, reason: reason, change: change)
    }

    private static func normalized(_ name: String?) -> String? {
        guard let name else { return nil }
        let trimmed = name.trimmingASCIIWhitespace()
        return trimmed.isEmpty ? nil : trimmed
    }
}
