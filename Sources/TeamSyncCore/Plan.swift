import Foundation

/// What a sync would do, as a value: `plan` prints it, `sync` executes it, tests assert on it.
package struct Plan: Sendable {
    /// Sorted: by kind in the order a sync applies them, then by external id.
    package var actions: [PlanAction]
    /// People who are left alone, each with its diagnostic (recorded, never acted on).
    package var skipped: [SkippedEntry]
    /// Journal-only changes (no Podero call).
    package var journalUpdates: [JournalUpdate]
    /// Findings about the input.
    package var diagnostics: [Diagnostic]
    /// Managed accounts whose person is gone but which are kept, because the evidence disagrees;
    /// each needs a human (listed by `status`).
    package var held: [HeldDeparture] = []
    /// Skipped entries without a readable external id at a DN no managed account was last seen
    /// at: any of them may be a managed person, so the safety check refuses every departure.
    package var unidentified: [DistinguishedName] = []
    /// Desired people whose access has an end date (`directory.users.expires_attribute`), soonest first.
    package var expiring: [ExpiringAccess] = []

    /// Creates a plan, sorting the actions.
    package init(actions: [PlanAction], skipped: [SkippedEntry] = [], journalUpdates: [JournalUpdate] = [], diagnostics: [Diagnostic] = []) {
        self.actions = actions.sorted { lhs, rhs in
            if lhs.kind != rhs.kind { return lhs.kind.order < rhs.kind.order }
            return lhs.person.rawValue.utf8.lexicographicallyPrecedes(rhs.person.rawValue.utf8)
        }
        self.skipped = skipped
        self.journalUpdates = journalUpdates
        self.diagnostics = diagnostics
    }

    /// Number of actions of each kind.
    package var counts: [PlanAction.Kind: Int] {
        actions.reduce(into: [:]) { $0[$1.kind, default: 0] += 1 }
    }

    /// True when a sync would change something in Podero or start a departure (skips do not count).
    package var hasDrift: Bool { !actions.isEmpty }

    /// People a departure-class action concerns.
    package var departingPeople: Set<ExternalID> {
        Set(actions.filter { $0.kind.isDeparture }.map(\.person))
    }

    /// The plan without departure-class actions (what a refused run still applies).
    package var withoutDepartures: Plan { keepingDepartures(of: []) }

    /// The plan without departures, except those of `people` (what a refused run applies when
    /// a human approved these by name).
    package func keepingDepartures(of people: Set<ExternalID>) -> Plan {
        var plan = self
        plan.actions.removeAll { $0.kind.isDeparture && !people.contains($0.person) }
        return plan
    }

    /// The plan without the departures of `people`.
    package func removingDepartures(of people: Set<ExternalID>) -> Plan {
        var plan = self
        plan.actions.removeAll { $0.kind.isDeparture && people.contains($0.person) }
        return plan
    }

    /// The plan with these actions added, in the plan's order.
    package func adding(_ extra: [PlanAction]) -> Plan {
        var plan = self
        plan.actions = Plan(actions: actions + extra).actions
        return plan
    }

    /// The departures of `people` say who approved them: "…; approved by NAME (held set ID)".
    package func notingApprovals(_ notes: [ExternalID: String]) -> Plan {
        var plan = self
        for index in plan.actions.indices where plan.actions[index].kind.isDeparture {
            if let note = notes[plan.actions[index].person] { plan.actions[index].reason += "; " + note }
        }
        return plan
    }
}

/// A departure the planner did not plan although the person is gone from the directory.
package struct HeldDeparture: Hashable, Sendable {
    package var account: ManagedAccount
    /// Why, for `status` and the audit log.
    package var detail: String

    package init(account: ManagedAccount, detail: String) {
        self.account = account
        self.detail = detail
    }

    /// A key that stays the same while the case lasts.
    package var key: String { "\(Diagnostic.Code.departureHeld.rawValue):id:\(account.externalID.rawValue)" }
}

/// A desired person whose access ends at a set time (the consultant).
package struct ExpiringAccess: Hashable, Sendable {
    package var externalID: ExternalID
    package var email: String
    package var role: Role
    package var expiresAt: Date

    package init(externalID: ExternalID, email: String, role: Role, expiresAt: Date) {
        self.externalID = externalID
        self.email = email
        self.role = role
        self.expiresAt = expiresAt
    }
}
