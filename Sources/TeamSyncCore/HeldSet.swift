import Foundation

/// Departures the safety limits refused, kept for a human to approve by name: `approve ID`
/// lets exactly these people go (those still due), `reject ID` drops the set. A person is in at
/// most one open set.
package struct HeldSet: Sendable, Equatable {
    /// One person of the set.
    package struct Person: Sendable, Equatable {
        package var externalID: ExternalID
        package var email: String
        package var role: Role
        /// Why the person departs (the planner's reason).
        package var why: String
        package var decision: Decision = .awaiting
        /// Who decided, and when.
        package var decidedBy: String?
        package var decidedAt: Date?
        /// How the case ended (departed, back in the directory…); nil while it lasts.
        package var outcome: String?

        /// Creates a person awaiting a decision.
        package init(externalID: ExternalID, email: String, role: Role, why: String) {
            self.externalID = externalID
            self.email = email
            self.role = role
            self.why = why
        }

        /// True while the case lasts: awaiting a decision, or approved and not yet departed.
        package var isOpen: Bool { outcome == nil && decision != .rejected }
    }

    /// What a human decided of a person.
    package enum Decision: String, Sendable, Equatable, CaseIterable {
        case awaiting, approved, rejected
    }

    /// Short, for typing: 8 hexadecimal digits.
    package var id: String
    package var since: Date
    /// The limit that held them (the safety check's words).
    package var reason: String
    package var people: [Person]

    /// Creates a set.
    package init(id: String, since: Date, reason: String, people: [Person]) {
        self.id = id
        self.since = since
        self.reason = reason
        self.people = people
    }

    /// A new id: 8 random hexadecimal digits.
    package static func newID() -> String {
        String(format: "%08x", UInt32.random(in: 0...UInt32.max))
    }

    /// The command that approves the set.
    package var approveCommand: String { "podero-team-sync approve \(id)" }

    /// What a `safety_refused` record adds: "held set ID (N people): podero-team-sync approve ID".
    package var refusalNote: String { "held set \(id) (\(people.count) people): \(approveCommand)" }

    /// True while a person of the set awaits a decision or an approved departure.
    package var isOpen: Bool { people.contains(where: \.isOpen) }

    /// People awaiting a decision.
    package var awaiting: [Person] { people.filter { $0.decision == .awaiting && $0.outcome == nil } }
}

/// The approval side of the journal, as the cycle sees it.
package struct HeldDepartures: Sendable, Equatable {
    /// People whose departure a human approved and that have not departed yet, each with a
    /// note for the audit log ("approved by NAME (held set ID)"): their departures go ahead
    /// whatever the counting limits say.
    package var approved: [ExternalID: String] = [:]
    /// People whose case lasts (awaiting, approved or rejected): a refusal does not hold them in
    /// a new set.
    package var known: Set<ExternalID> = []

    /// Creates the view.
    package init(approved: [ExternalID: String] = [:], known: Set<ExternalID> = []) {
        self.approved = approved
        self.known = known
    }

    /// The approved people among those `plan` lets depart, with their notes; none when the
    /// read is not to be trusted (`untrusted`: an empty or ambiguous read).
    package func approved(in plan: Plan, untrusted: Bool) -> [ExternalID: String] {
        guard !untrusted else { return [:] }
        let due = plan.departingPeople
        return approved.filter { due.contains($0.key) }
    }

    /// The view of these sets.
    package init(_ sets: [HeldSet]) {
        for set in sets {
            for person in set.people where person.outcome == nil {
                known.insert(person.externalID)
                if person.decision == .approved {
                    approved[person.externalID] = "approved by \(person.decidedBy ?? "?") (held set \(set.id))"
                }
            }
        }
    }
}

/// What `approve` or `reject` found.
package enum HeldSetDecisionError: Error, Equatable, CustomStringConvertible {
    case unknown(String)
    case closed(String)
    case notInSet(String, [ExternalID])

    package var description: String {
        switch self {
        case .unknown(let id): "no held set \(id) (status lists the open ones)"
        case .closed(let id): "held set \(id) awaits no decision: each of its people has been decided or has left the case"
        case .notInSet(let id, let people):
            "not awaiting a decision in held set \(id): \(people.map(\.rawValue).joined(separator: ", "))"
        }
    }
}
