import TeamSyncCore

/// Plans a large directory in pieces at once. Each person's actions depend only on that person
/// and the prepared indexes (`Planner.planPeople`), and the pieces are joined in directory
/// order, so the plan is the one `Planner.plan` gives in one piece (a test checks it).
enum PlanSplitter {
    /// From how many people planning is split.
    static let threshold = 20_000

    static func plan(_ planner: Planner, directory: DirectorySnapshot, prepared: PreparedAccounts, pieces: Int = 2) async -> Plan {
        let people = directory.people
        guard people.count >= threshold, pieces > 1 else { return planner.plan(directory: directory, prepared: prepared) }
        let parts = await withTaskGroup(of: (Int, PartialPlan).self) { group in
            for piece in 0..<pieces {
                let bounds = people.count * piece / pieces..<people.count * (piece + 1) / pieces
                group.addTask { (piece, planner.planPeople(people[bounds], prepared: prepared)) }
            }
            var parts: [Int: PartialPlan] = [:]
            for await (piece, part) in group { parts[piece] = part }
            return (0..<pieces).compactMap { parts[$0] }
        }
        return planner.combine(parts, directory: directory, prepared: prepared)
    }
}
