import Foundation
import TeamSyncCore

/// `explain PERSON`: one person's story — the directory entry, the groups and the rule that
/// give the role (and why the earlier rules did not), the Podero account, the journal's state,
/// what the next sync would do, and the latest audit records.
package struct Explanation: Sendable {
    /// Who PERSON may be: each candidate is one external id (or one Podero account without one).
    package struct Candidate: Sendable {
        package var externalID: ExternalID?
        package var person: DirectoryPerson?
        package var skipped: SkippedEntry?
        package var accounts: [RemoteAccount]
        package var managed: ManagedAccount?

        /// A short line naming the candidate, for "several match".
        package var label: String {
            let email = person?.email.value ?? managed?.email ?? accounts.first?.email ?? skipped?.email?.value ?? "-"
            let dn = person?.dn.normalized ?? skipped?.dn.normalized
            return "\(externalID?.rawValue ?? "(no external id)") \(email)" + (dn.map { " \($0)" } ?? "")
        }
    }

    package var query: String
    package var candidate: Candidate
    package var decision: RoleMapper.Decision?
    package var rules: [RoleRule]
    /// What the next sync would do to this person.
    package var actions: [PlanAction]
    /// Why the person is left alone, when the plan skips them.
    package var skippedReason: String?
    /// Why a departure of theirs is held for a human.
    package var heldReason: String?
    package var audit: [AuditRecord]
    package var now: Date

    /// The people PERSON names: an e-mail, an external id, a uid (the first RDN's value) or a DN.
    package static func candidates(_ query: String, in inputs: AccessReview.Inputs) -> [Candidate] {
        let text = query.trimmingASCIIWhitespace()
        let key = text.caseFoldedKey()
        let dn = DistinguishedName(text)
        func names(email: EmailAddress?, externalID: ExternalID?, at entry: DistinguishedName) -> Bool {
            email?.key == key || externalID?.rawValue.caseFoldedKey() == key
                || (dn != nil && entry == dn) || entry.firstValue?.caseFoldedKey() == key
        }
        var byID: [String: Candidate] = [:]
        var order: [String] = []
        func add(_ id: String, _ update: (inout Candidate) -> Void) {
            if byID[id] == nil {
                byID[id] = Candidate(externalID: nil, person: nil, skipped: nil, accounts: [], managed: nil)
                order.append(id)
            }
            update(&byID[id]!)
        }
        for person in inputs.snapshot.people where names(email: person.email, externalID: person.externalID, at: person.dn) {
            add("id:" + person.externalID.rawValue) { $0.externalID = person.externalID; $0.person = person }
        }
        for entry in inputs.snapshot.skipped where names(email: entry.email, externalID: entry.externalID, at: entry.dn) {
            let id = entry.externalID.map { "id:" + $0.rawValue } ?? "dn:" + entry.dn.normalized
            add(id) { $0.externalID = entry.externalID; $0.skipped = entry }
        }
        for account in inputs.managed where account.email.caseFoldedKey() == key || account.externalID.rawValue.caseFoldedKey() == key {
            add("id:" + account.externalID.rawValue) { $0.externalID = account.externalID }
        }
        for account in inputs.remote
        where account.email.caseFoldedKey() == key || account.externalID?.rawValue.caseFoldedKey() == key || account.id == key {
            let id = account.externalID.map { "id:" + $0.rawValue } ?? "podero:" + account.id
            add(id) { candidate in
                if candidate.externalID == nil { candidate.externalID = account.externalID }
            }
        }
        // Fill in each candidate's accounts and journal row from its external id.
        return order.compactMap { id -> Candidate? in
            guard var candidate = byID[id] else { return nil }
            if let externalID = candidate.externalID {
                candidate.managed = inputs.managed.first { $0.externalID == externalID }
                if candidate.person == nil { candidate.person = inputs.snapshot.people.first { $0.externalID == externalID } }
                let managedID = candidate.managed?.poderoID
                candidate.accounts = inputs.remote.filter { $0.externalID == externalID || $0.id == managedID }
            } else if id.hasPrefix("podero:") {
                candidate.accounts = inputs.remote.filter { "podero:" + $0.id == id }
            }
            if candidate.accounts.isEmpty, let email = candidate.person?.email.key {
                candidate.accounts = inputs.remote.filter { $0.email.caseFoldedKey() == email }
            }
            return candidate
        }
    }

    /// Plans the sync that would run now, and keeps what it says of `candidate`.
    package init(query: String, candidate: Candidate, inputs: AccessReview.Inputs, audit: [AuditRecord]) {
        self.query = query
        self.candidate = candidate
        self.rules = inputs.rules
        self.audit = audit
        self.now = inputs.now
        let planner = Planner(policy: inputs.policy, rules: inputs.rules)
        decision = candidate.person.map { planner.mapper(now: inputs.now).decide($0) }
        let plan = planner.plan(directory: inputs.snapshot, remote: inputs.remote, includesDeleted: true, managed: inputs.managed, now: inputs.now)
        if let id = candidate.externalID {
            actions = plan.actions.filter { $0.person == id }
            skippedReason = plan.skipped.first { $0.externalID == id }?.detail
            heldReason = plan.held.first { $0.account.externalID == id }?.detail
        } else {
            actions = []
            skippedReason = candidate.skipped?.detail
            heldReason = nil
        }
    }
}

extension DistinguishedName {
    /// The value of the first RDN (`user00001` of `uid=user00001,ou=people,…`).
    var firstValue: String? {
        let leaf = self.leaf
        guard let equals = leaf.firstIndex(of: "=") else { return nil }
        let value = leaf[leaf.index(after: equals)...]
        return value.isEmpty ? nil : String(value)
    }
}
