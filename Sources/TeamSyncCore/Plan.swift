/// What a sync would do, as a value: `plan` prints it, `sync` executes it, tests assert on it.
package struct Plan: Sendable {
    /// Sorted: by kind in the order a sync applies them, then by external id.
    package var actions: [PlanAction]
    /// Journal-only changes (no Podero call).
    package var journalUpdates: [JournalUpdate]
    /// Findings about the input.
    package var diagnostics: [Diagnostic]

    /// Creates a plan, sorting the actions.
    package init(actions: [PlanAction], journalUpdates: [JournalUpdate] = [], diagnostics: [Diagnostic] = []) {
        self.actions = actions.sorted { lhs, rhs in
            if lhs.kind != rhs.kind { return lhs.kind.order < rhs.kind.order }
            return (lhs.externalID?.rawValue ?? lhs.email ?? "").utf8
                .lexicographicallyPrecedes((rhs.externalID?.rawValue ?? rhs.email ?? "").utf8)
        }
        self.journalUpdates = journalUpdates
        self.diagnostics = diagnostics
    }

    /// Number of actions of each kind.
    package var counts: [PlanAction.Kind: Int] {
        actions.reduce(into: [:]) { $0[$1.kind, default: 0] += 1 }
    }

    /// True when a sync would change something in Podero or start a departure (skips do not count).
    package var hasDrift: Bool { actions.contains { $0.kind != .skip } }

    /// People a departure-class action concerns.
    package var departingPeople: Set<ExternalID> {
        Set(actions.filter { $0.kind.isDeparture }.compactMap(\.externalID))
    }

    /// The plan without departure-class actions (what a refused run still applies).
    package var withoutDepartures: Plan {
        Plan(actions: actions.filter { !$0.kind.isDeparture }, journalUpdates: journalUpdates, diagnostics: diagnostics)
    }
}
