import Foundation
import TeamSyncCore

extension AccessReview {
    /// Builds the review. Soft-deleted accounts are listed only when `includeDeleted`, except
    /// the ones behind a blocked restore (those need a human, so they always are).
    package init(_ inputs: Inputs, includeDeleted: Bool, lanes: Int = Lanes.available) {
        let prepared = Prepared(remote: inputs.remote, managed: inputs.managed, policy: inputs.policy, settings: inputs.settings,
                                now: inputs.now, includeDeleted: includeDeleted, lanes: lanes)
        self.init(prepared, snapshot: inputs.snapshot, rules: inputs.rules, lanes: lanes)
    }

    /// Finishes a prepared review with the directory: each account's person, rule, standing and
    /// why. The accounts are cut into one contiguous slice per core (`lanes`); each slice sorts
    /// its rows into one run per standing, keeping the prepared (e-mail, Podero id) order, so the
    /// runs joined standing by standing, slice by slice, are the sorted review. The result does
    /// not depend on the number of lanes.
    package init(_ prepared: Prepared, snapshot: DirectorySnapshot, rules: [RoleRule], lanes: Int = Lanes.available) {
        let people = snapshot.people
        let (peopleByID, peopleByEmail) = Lanes.both({
            var byID: [ExternalID: Int] = [:]
            byID.reserveCapacity(people.count)
            for (index, person) in people.enumerated() where byID[person.externalID] == nil { byID[person.externalID] = index }
            return byID
        }, {
            var byEmail: [String: Int] = [:]
            byEmail.reserveCapacity(people.count)
            for (index, person) in people.enumerated() where byEmail[person.email.key] == nil { byEmail[person.email.key] = index }
            return byEmail
        })
        let finisher = Finisher(prepared: prepared, people: people, peopleByID: peopleByID, peopleByEmail: peopleByEmail, rules: rules)
        let order = prepared.order
        let runs = Lanes.map(Lanes.slices(order.count, lanes: lanes)) { range in finisher.runs(order[range]) }
        var rows: [Row] = []
        rows.reserveCapacity(order.count)
        for order in 0..<Standing.allCases.count {
            for slice in runs { rows += slice[order] }
        }
        self.init(rows: rows, endUsers: prepared.endUsers, generatedAt: prepared.now, settings: prepared.settings,
                  includesDeleted: prepared.includeDeleted)
    }

    /// The review's Podero and journal half, made while the directory is still being read: every
    /// listed team account's row as far as it is known without the directory (name, dates,
    /// flags, journal record), the (e-mail, Podero id) order, and the end-users counted. Made one
    /// slice of the list per core; nothing is copied to sort it (indices are sorted, then merged).
    package struct Prepared: Sendable {
        /// One slice's accounts, as parallel lists, and their order.
        struct Lane: Sendable {
            var rows: [Row] = []
            /// Each row's account: its index in Podero's list.
            var accounts: [Int] = []
            var journals: [ManagedAccount?] = []
            var emailKeys: [String] = []
            /// The rows' indices in (e-mail, Podero id) order.
            var order: [Int] = []
            var endUsers = 0

            func precedes(_ a: Int, _ b: Int) -> Bool {
                emailKeys[a] != emailKeys[b] ? emailKeys[a] < emailKeys[b] : rows[a].poderoID < rows[b].poderoID
            }
        }

        let remote: [RemoteAccount]
        var lanes: [Lane]
        /// Every row in (e-mail, Podero id) order, as (lane, index in that lane).
        var order: [(lane: Int, index: Int)]
        var endUsers: Int { lanes.reduce(0) { $0 + $1.endUsers } }
        let policy: SyncPolicy
        let settings: ReviewSettings
        let now: Date
        let includeDeleted: Bool

        package init(remote: [RemoteAccount], managed: [ManagedAccount], policy: SyncPolicy, settings: ReviewSettings, now: Date,
                     includeDeleted: Bool, lanes: Int = Lanes.available) {
            var managedByPoderoID: [String: ManagedAccount] = [:], blockers: [String: ManagedAccount] = [:]
            managedByPoderoID.reserveCapacity(managed.count)
            for account in managed {
                managedByPoderoID[account.poderoID] = account
                if case .restoreBlocked(_, let blockedBy?) = account.state { blockers[blockedBy] = account }
            }
            let staleBefore = now.addingTimeInterval(-settings.invitationStaleAfter.timeInterval)
            let inactiveBefore = now.addingTimeInterval(-settings.inactiveAfter.timeInterval)
            let (journals, blocking) = (managedByPoderoID, blockers)
            self.lanes = Lanes.map(Lanes.slices(remote.count, lanes: lanes)) { range in
                var lane = Lane()
                lane.rows.reserveCapacity(range.count)
                for index in range {
                    let account = remote[index]
                    guard let role = account.role.teamRole else {
                        if !account.isSoftDeleted { lane.endUsers += 1 }
                        continue
                    }
                    // A live account that blocks a restore is not ours: only a soft-deleted one is the case's.
                    let journal = journals[account.id] ?? (account.isSoftDeleted ? blocking[account.id] : nil)
                    if account.isSoftDeleted, !includeDeleted {
                        guard let journal, case .restoreBlocked = journal.state else { continue }
                    }
                    lane.rows.append(Self.row(account, role: role, journal: journal, policy: policy,
                                              inactiveBefore: inactiveBefore, staleBefore: staleBefore))
                    lane.accounts.append(index)
                    lane.journals.append(journal)
                    lane.emailKeys.append(account.email.caseFoldedKey())
                }
                let sorting = lane
                lane.order = Array(lane.rows.indices)
                lane.order.sort(by: sorting.precedes)
                return lane
            }
            self.order = Self.merge(self.lanes)
            self.remote = remote
            self.policy = policy
            self.settings = settings
            self.now = now
            self.includeDeleted = includeDeleted
        }

        /// What is known of an account without the directory; its standing is settled later.
        private static func row(_ account: RemoteAccount, role: Role, journal: ManagedAccount?, policy: SyncPolicy,
                                inactiveBefore: Date, staleBefore: Date) -> Row {
            let name: String? = switch (account.firstName, account.lastName) {
            case (let first?, let last?): first + " " + last
            case (let first?, nil): first
            case (nil, let last?): last
            case (nil, nil): nil
            }
            var row = Row(
                poderoID: account.id, email: account.email, name: name?.nilIfEmpty, role: role,
                externalID: account.externalID?.rawValue ?? journal?.externalID.rawValue, standing: .unmanaged, why: nil,
                lastLogin: account.activity.lastLoginDate, joinedAt: account.activity.joinedAtDate,
                isOnboarded: account.activity.isOnboarded, expiresAt: journal?.expiresAt, deleteAfter: nil, flags: [])
            guard !account.isSoftDeleted else { return row }
            if let last = row.lastLogin, last < inactiveBefore { row.flags.append(.inactive) }
            if row.lastLogin == nil, account.activity.lastLogin == nil {
                let joined = row.joinedAt ?? journal?.firstSeen
                if joined.map({ $0 < staleBefore }) ?? true { row.flags.append(.invitationPending) }
            }
            let allowed = policy.allowedEmailDomains
            if !allowed.isEmpty, let email = EmailAddress(account.email), !allowed.contains(email.domainKey) {
                row.flags.append(.outsideAllowedDomains)
            }
            return row
        }

        /// The lanes' sorted orders merged into one (few lanes: the next row is found by a scan).
        private static func merge(_ lanes: [Lane]) -> [(lane: Int, index: Int)] {
            var merged: [(lane: Int, index: Int)] = []
            merged.reserveCapacity(lanes.reduce(0) { $0 + $1.rows.count })
            var cursors = [Int](repeating: 0, count: lanes.count)
            while true {
                var best: Int?
                for lane in lanes.indices where cursors[lane] < lanes[lane].order.count {
                    guard let chosen = best else { best = lane; continue }
                    let candidate = lanes[lane].order[cursors[lane]], current = lanes[chosen].order[cursors[chosen]]
                    let (a, b) = (lanes[lane], lanes[chosen])
                    let earlier = a.emailKeys[candidate] != b.emailKeys[current] ? a.emailKeys[candidate] < b.emailKeys[current]
                        : a.rows[candidate].poderoID < b.rows[current].poderoID
                    if earlier { best = lane }
                }
                guard let lane = best else { return merged }
                merged.append((lane, lanes[lane].order[cursors[lane]]))
                cursors[lane] += 1
            }
        }
    }

    /// The directory half of one slice.
    private struct Finisher: Sendable {
        let prepared: Prepared
        let people: [DirectoryPerson]
        let peopleByID: [ExternalID: Int]
        let peopleByEmail: [String: Int]
        let rules: [RoleRule]

        /// The slice's rows, one run per standing (by `Standing.order`), each in the slice's order.
        func runs(_ order: ArraySlice<(lane: Int, index: Int)>) -> [[Row]] {
            let mapper = RoleMapper(rules: rules, allowedEmailDomains: prepared.policy.allowedEmailDomains, now: prepared.now)
            let protected = Set(prepared.policy.protectedEmails.map { $0.caseFoldedKey() })
            let noticeUntil = prepared.now.addingTimeInterval(prepared.settings.expiryNotice.timeInterval)
            var runs = [[Row]](repeating: [], count: Standing.allCases.count)
            // People of one group path share one text.
            var whyCache: [GroupMembership: String] = [:]
            for (lane, index) in order {
                var row = prepared.lanes[lane].rows[index]
                let journal = prepared.lanes[lane].journals[index]
                let emailKey = prepared.lanes[lane].emailKeys[index]
                let account = prepared.lanes[lane].accounts[index]
                let person = prepared.remote[account].externalID.flatMap { peopleByID[$0] }
                    ?? journal.flatMap { peopleByID[$0.externalID] }
                    ?? peopleByEmail[emailKey]
                let decision = person.map { mapper.verdict(people[$0]) }
                if let person { row.expiresAt = people[person].expiresAt ?? row.expiresAt }
                let matched = decision?.matched.map { match in
                    if let known = whyCache[match.membership] { return known }
                    let text = AccessReview.why(match.rule, match.membership, rules: rules)
                    whyCache[match.membership] = text
                    return text
                }
                if prepared.remote[account].isSoftDeleted {
                    if let journal, case .restoreBlocked(let since, _) = journal.state {
                        row.standing = .restoreBlocked
                        row.why = "the person is back in the directory since \(AuditTime.format(since)), but this soft-deleted account holds the e-mail or external id"
                    } else {
                        row.standing = .softDeleted
                        row.why = journal.map { if case .softDeleted(let at) = $0.state { "soft-deleted by podero-team-sync at \(AuditTime.format(at))" } else { nil } } ?? nil
                    }
                } else if protected.contains(emailKey) {
                    row.standing = .protected
                    row.why = "sync.protected_emails: never created, changed or deleted"
                } else if let journal {
                    switch journal.state {
                    case .departed(let since):
                        row.standing = .departing
                        row.deleteAfter = since.addingTimeInterval(prepared.policy.departureGrace.timeInterval)
                        row.why = (decision?.undesiredReason ?? "no longer matched by directory.users") + "; gone since \(AuditTime.format(since))"
                    default:
                        if let decision, decision.undesiredReason == nil, let matched {
                            row.why = matched
                            if let expires = row.expiresAt, expires <= noticeUntil {
                                row.standing = .expiring
                            } else {
                                row.standing = journal.adopted ? .adopted : .managed
                            }
                        } else {
                            row.standing = .departing
                            row.why = (decision?.undesiredReason ?? "no longer matched by directory.users (base DN and filter)") + "; the next sync starts its departure"
                        }
                    }
                } else if let decision, decision.undesiredReason == nil, let matched {
                    row.standing = .adoptionCandidate
                    row.why = matched + "; " + AccessReview.adoption(prepared.remote[account], prepared.policy)
                } else {
                    row.standing = .unmanaged
                    row.why = person == nil ? nil : decision?.undesiredReason.map { "a directory person matches, but \($0)" }
                }
                runs[row.standing.order].append(row)
            }
            return runs
        }
    }
}
