import Foundation

/// The deletion guards of a stream of incremental syncs: `max_deletions`,
/// `max_deletion_percent` and `max_deletions_per_day` hold over any window of one
/// `sync.interval`, so a trickle of departures cannot add up to a mass deletion. Departing
/// people are let through in plan order until a limit is reached; the rest wait (refused) for
/// a human to confirm them with `sync --max-deletions N`. Pure.
package struct DeletionWindow: Sendable {
    package var maxDeletions: Int
    package var maxDeletionPercent: Double
    package var maxDeletionsPerDay: Int

    /// Creates the guard.
    package init(maxDeletions: Int, maxDeletionPercent: Double, maxDeletionsPerDay: Int) {
        self.maxDeletions = maxDeletions
        self.maxDeletionPercent = maxDeletionPercent
        self.maxDeletionsPerDay = maxDeletionsPerDay
    }

    /// What the window already holds.
    package struct Usage: Sendable, Equatable {
        /// People who departed (mark_departed or soft_delete) within the window.
        package var departedInWindow: Int
        /// Soft deletes in the last 24 hours.
        package var softDeletesLastDay: Int
        /// Live managed accounts now.
        package var managedLiveCount: Int

        /// Creates the usage.
        package init(departedInWindow: Int, softDeletesLastDay: Int, managedLiveCount: Int) {
            self.departedInWindow = departedInWindow
            self.softDeletesLastDay = softDeletesLastDay
            self.managedLiveCount = managedLiveCount
        }
    }

    /// The verdict on one plan.
    package struct Verdict: Sendable {
        /// The plan with only the departures that fit.
        package var plan: Plan
        /// The departing people left out, in plan order.
        package var refused: [ExternalID]
        /// Why, when some were left out.
        package var reason: String?
    }

    /// Lets through the departures of `plan` that fit in the window.
    package func admit(_ plan: Plan, _ usage: Usage) -> Verdict {
        let departing = plan.actions.filter { $0.kind.isDeparture }
        guard !departing.isEmpty else { return Verdict(plan: plan, refused: []) }
        if let example = plan.unidentified.first {
            var seen = Set<ExternalID>()
            let people = departing.map(\.person).filter { seen.insert($0).inserted }
            var kept = plan
            kept.actions.removeAll { $0.kind.isDeparture }
            return Verdict(plan: kept, refused: people,
                reason: "an entry without a readable external id (\(example.normalized)) may be one of them; no departure until it is readable")
        }
        let percentCap = Int((maxDeletionPercent * Double(usage.managedLiveCount) / 100).rounded(.down))
        let peopleRoom = max(0, min(maxDeletions, percentCap) - usage.departedInWindow)
        let softRoom = max(0, maxDeletionsPerDay - usage.softDeletesLastDay)
        var admitted = Set<ExternalID>()
        var refused: [ExternalID] = []
        var refusedSet = Set<ExternalID>()
        var softUsed = 0
        for action in departing where !admitted.contains(action.person) && !refusedSet.contains(action.person) {
            let softDeletes = departing.contains { $0.person == action.person && $0.kind == .softDelete }
            if admitted.count < peopleRoom, !softDeletes || softUsed < softRoom {
                admitted.insert(action.person)
                if softDeletes { softUsed += 1 }
            } else {
                refused.append(action.person)
                refusedSet.insert(action.person)
            }
        }
        guard !refused.isEmpty else { return Verdict(plan: plan, refused: []) }
        var kept = plan
        kept.actions.removeAll { $0.kind.isDeparture && refusedSet.contains($0.person) }
        let reason = "\(usage.departedInWindow + admitted.count + refused.count) departures within one sync.interval would be more than "
            + "sync.max_deletions (\(maxDeletions)), sync.max_deletion_percent (\(Self.percent(maxDeletionPercent)) of \(usage.managedLiveCount) = \(percentCap)) "
            + "or sync.max_deletions_per_day (\(maxDeletionsPerDay), \(usage.softDeletesLastDay) used); \(admitted.count) applied, \(refused.count) not applied"
        return Verdict(plan: kept, refused: refused, reason: reason)
    }

    private static func percent(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))%" : String(format: "%.1f%%", value)
    }
}
