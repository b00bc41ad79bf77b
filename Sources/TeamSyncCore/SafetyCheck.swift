import Foundation

/// The guards against mass deletion after a bad directory read. Pure.
package struct SafetyCheck: Sendable {
    /// What the check looks at besides the plan.
    package struct Input: Sendable {
        /// Entries the users filter matched in this (complete) read.
        package var matchedCount: Int
        /// The same count at the last good read, if there was one.
        package var lastGoodMatchedCount: Int?
        /// Live managed accounts before this run.
        package var managedLiveCount: Int
        /// Soft deletes that succeeded in the 24 hours before this run.
        package var softDeletesLastDay: Int
        /// People a directory watch let depart within the last `sync.interval`: they count
        /// against `max_deletions` and `max_deletion_percent` with this run's.
        package var departedInWindow: Int

        /// Creates the input.
        package init(matchedCount: Int, lastGoodMatchedCount: Int?, managedLiveCount: Int, softDeletesLastDay: Int = 0, departedInWindow: Int = 0) {
            self.departedInWindow = departedInWindow
            self.matchedCount = matchedCount
            self.lastGoodMatchedCount = lastGoodMatchedCount
            self.managedLiveCount = managedLiveCount
            self.softDeletesLastDay = softDeletesLastDay
        }
    }

    package var maxDeletions: Int
    package var maxDeletionPercent: Double
    /// Most soft deletes in any 24 hours, this run's included.
    package var maxDeletionsPerDay: Int
    /// `sync --max-deletions N`: replaces the limits (per run and per day) and the shrink guard for one run.
    package var override: Int?

    /// Creates the check.
    package init(maxDeletions: Int, maxDeletionPercent: Double, maxDeletionsPerDay: Int = .max, override: Int? = nil) {
        self.maxDeletions = maxDeletions
        self.maxDeletionPercent = maxDeletionPercent
        self.maxDeletionsPerDay = maxDeletionsPerDay
        self.override = override
    }

    /// Reasons to refuse the plan's departures; empty when it may go ahead.
    package func refusals(for plan: Plan, _ input: Input) -> [String] {
        let untrusted = untrustedRead(plan, input)
        guard untrusted.isEmpty else { return untrusted }
        let due = plan.departingPeople.count
        guard due > 0 else { return [] }
        if let override {
            return due > override ? ["\(due) people would be removed, more than --max-deletions \(override)"] : []
        }
        var reasons: [String] = []
        let earlier = input.departedInWindow
        let also = earlier > 0 ? " (with \(earlier) the directory watch let depart within one sync.interval)" : ""
        if due + earlier > maxDeletions {
            reasons.append("\(due) people would be removed\(also), more than sync.max_deletions (\(maxDeletions))")
        }
        let share = input.managedLiveCount > 0 ? Double(due + earlier) * 100 / Double(input.managedLiveCount + earlier) : 100
        if share > maxDeletionPercent {
            reasons.append("\(due) of \(input.managedLiveCount) managed accounts (\(Self.percent(share))\(also)) would be removed, more than sync.max_deletion_percent (\(Self.percent(maxDeletionPercent)))")
        }
        let softDeletes = Set(plan.actions.filter { $0.kind == .softDelete }.map(\.person)).count
        if softDeletes > 0, input.softDeletesLastDay + softDeletes > maxDeletionsPerDay {
            reasons.append("\(softDeletes) soft deletes now and \(input.softDeletesLastDay) in the last 24 hours would be more than sync.max_deletions_per_day (\(maxDeletionsPerDay))")
        }
        if let last = input.lastGoodMatchedCount, last > 0, input.matchedCount < last {
            let drop = Double(last - input.matchedCount) * 100 / Double(last)
            if drop > maxDeletionPercent {
                reasons.append("the directory shrank from \(last) to \(input.matchedCount) people (−\(Self.percent(drop))) since the last good read, more than sync.max_deletion_percent (\(Self.percent(maxDeletionPercent)))")
            }
        }
        return reasons
    }

    /// Reasons not to trust the read to say who is gone: they refuse every departure, approved
    /// ones too (no limit, override or approval makes an empty read or an unreadable entry less
    /// ambiguous).
    package func untrustedRead(_ plan: Plan, _ input: Input) -> [String] {
        if input.matchedCount == 0 {
            return ["the directory returned no people at all; refusing every deletion (check directory.users.base_dn and filter)"]
        }
        guard !plan.departingPeople.isEmpty, let example = plan.unidentified.first else { return [] }
        let count = plan.unidentified.count
        return ["\(count) director\(count == 1 ? "y entry has" : "y entries have") no readable external id (such as \(example.normalized)) and may be managed people whose accounts would be deleted; no departure until \(count == 1 ? "it is" : "they are") readable (check the bind account's read access)"]
    }

    private static func percent(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))%" : String(format: "%.1f%%", value)
    }
}
