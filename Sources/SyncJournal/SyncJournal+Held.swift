import Foundation
import GRDB
import TeamSyncCore

extension SyncJournal {
    package func openHeldSets() async throws -> [HeldSet] {
        try await database.read(Self.openHeldSets)
    }

    private static func openHeldSets(in db: Database) throws -> [HeldSet] {
        let sets = try Row.fetchAll(db, sql: """
            SELECT id, since, reason FROM held_set
            WHERE id IN (SELECT set_id FROM held_person WHERE outcome IS NULL) ORDER BY since, id
            """)
        return try sets.map { row in
            let id: String = row["id"]
            let people = try Row.fetchAll(db, sql: """
                SELECT external_id, email, role, why, decision, decided_by, decided_at, outcome
                FROM held_person WHERE set_id = ? ORDER BY rowid
                """, arguments: [id]).map { person in
                let key = "\(id)/\(person["external_id"] as String)"
                var held = HeldSet.Person(externalID: ExternalID(person["external_id"] as String), email: person["email"],
                    role: try JournalValue.decode(Role.self, person["role"], table: "held_person", row: key, column: "role"), why: person["why"])
                held.decision = try JournalValue.decode(HeldSet.Decision.self, person["decision"], table: "held_person", row: key, column: "decision")
                held.decidedBy = person["decided_by"]
                held.decidedAt = (person["decided_at"] as Double?).map(Date.init(timeIntervalSince1970:))
                held.outcome = person["outcome"]
                return held
            }
            return HeldSet(id: id, since: Date(timeIntervalSince1970: row["since"]), reason: row["reason"], people: people)
        }
    }

    package func recordHeldSet(_ set: HeldSet, runID: String) async throws {
        try await database.write { db in
            try db.execute(sql: "INSERT INTO held_set (id, since, reason, run_id) VALUES (?, ?, ?, ?)",
                arguments: [set.id, set.since.timeIntervalSince1970, set.reason, runID])
            for person in set.people {
                try db.execute(sql: "INSERT INTO held_person (set_id, external_id, email, role, why) VALUES (?, ?, ?, ?, ?)",
                    arguments: [set.id, person.externalID.rawValue, person.email, person.role.rawValue, person.why])
            }
            try Self.append([AuditRecord(time: set.since, runID: runID, action: .held, outcome: .refused,
                reason: "held set \(set.id): \(set.people.count) departure\(set.people.count == 1 ? "" : "s") kept for approval by name (\(set.reason))")], in: db)
        }
    }

    package func decide(heldSet id: String, _ decision: HeldSet.Decision, only: Set<ExternalID>?, by operator: String, now: Date) async throws -> HeldSet {
        try await database.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM held_set WHERE id = ?", arguments: [id]) != nil else {
                throw HeldSetDecisionError.unknown(id)
            }
            guard let set = try Self.openHeldSets(in: db).first(where: { $0.id == id }), !set.awaiting.isEmpty else {
                throw HeldSetDecisionError.closed(id)
            }
            let awaiting = set.awaiting
            if let only {
                let outside = only.subtracting(awaiting.map(\.externalID)).sorted { $0.rawValue < $1.rawValue }
                guard outside.isEmpty else { throw HeldSetDecisionError.notInSet(id, outside) }
            }
            let chosen = awaiting.filter { only?.contains($0.externalID) ?? true }
            var records: [AuditRecord] = []
            for person in chosen {
                try db.execute(sql: """
                    UPDATE held_person SET decision = ?, decided_by = ?, decided_at = ? WHERE set_id = ? AND external_id = ?
                    """, arguments: [decision.rawValue, `operator`, now.timeIntervalSince1970, id, person.externalID.rawValue])
                records.append(AuditRecord(time: now, runID: nil, action: decision == .approved ? .approved : .rejected, outcome: .ok,
                    externalUserID: person.externalID.rawValue, email: person.email, roleBefore: person.role.rawValue,
                    reason: "held set \(id): \(decision == .approved ? "departure approved" : "departure rejected") by \(`operator`); \(person.why)"))
            }
            try Self.append(records, in: db)
            return try Self.openHeldSets(in: db).first { $0.id == id } ?? set
        }
    }

    package func closeHeldCases(_ outcomes: [ExternalID: String], now: Date) async throws {
        guard !outcomes.isEmpty else { return }
        try await database.write { db in
            for (person, outcome) in outcomes {
                try db.execute(sql: "UPDATE held_person SET outcome = ?, closed_at = ? WHERE external_id = ? AND outcome IS NULL",
                    arguments: [outcome, now.timeIntervalSince1970, person.rawValue])
            }
        }
    }

    package func heldDecisionCount() async throws -> Int {
        try await database.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM held_person WHERE decided_at IS NOT NULL") ?? 0
        }
    }
}
