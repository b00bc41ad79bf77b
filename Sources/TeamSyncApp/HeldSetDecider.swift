import Foundation
import SyncJournal
import TeamSyncCore

/// `approve` and `reject`: a human's decision on a held set, recorded in the journal with the
/// operator's name in the audit log.
package struct HeldSetDecider: Sendable {
    package var environment: CommandEnvironment

    package init(environment: CommandEnvironment) {
        self.environment = environment
    }

    /// Who decides: `SUDO_USER` (an administrator running `sudo -u podero-team-sync …`), else
    /// the login name, else the uid. Control characters are dropped and the name is cut at 64.
    package static func currentOperator(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let candidates = [environment["SUDO_USER"], getlogin().map { String(cString: $0) }]
        let name = candidates.compactMap { $0 }.map { String($0.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) }) }
            .first { !$0.isEmpty }
        return name.map { String($0.prefix(64)) } ?? "uid \(getuid())"
    }

    /// Records the decision; the lines to print.
    package func decide(_ id: String, _ decision: HeldSet.Decision, only: [String], by operator: String) async throws -> [String] {
        try checkOwner(heldSet: id)
        let journal = try environment.openJournal()
        let chosen = only.isEmpty ? nil : Set(only.map(ExternalID.init))
        let before = try await journal.openHeldSets().first { $0.id == id }
        let set = try await journal.decide(heldSet: id, decision, only: chosen, by: `operator`, now: Date())
        let decided = set.people.filter { person in
            person.decision == decision && before?.people.first { $0.externalID == person.externalID }?.decision == .awaiting
        }
        var lines = ["held set \(id): \(decided.count) departure\(decided.count == 1 ? "" : "s") \(decision.rawValue) by \(`operator`):"]
        lines += decided.map { "  \($0.email) (\($0.externalID.rawValue), \($0.role.rawValue)): \($0.why)" }
        let still = set.awaiting.count
        if still > 0 { lines.append("\(still) more in the set still await a decision (status lists them)") }
        if decision == .approved {
            lines.append("a running `run` applies them within seconds (those still due; anyone back in the directory is not touched); otherwise the next sync does")
        } else {
            lines.append("they are not offered again while they stay departing; the limits keep refusing their departures (sync --max-deletions N confirms them)")
        }
        return lines
    }

    /// The journal must be written as its owner: a root-owned -wal or -shm file would lock the
    /// service (running as its own user) out of its journal.
    private func checkOwner(heldSet id: String) throws {
        var info = stat()
        let path = environment.configuration.journalPath
        guard stat(path, &info) == 0 else { throw HeldSetDecisionError.unknown(id) }  // no journal yet: nothing is held
        guard info.st_uid != geteuid() else { return }
        let owner = getpwuid(info.st_uid).map { String(cString: $0.pointee.pw_name) } ?? "uid \(info.st_uid)"
        throw JournalOwnerError(path: path, owner: owner)
    }
}

/// `approve` or `reject` run as another user than the journal's owner.
package struct JournalOwnerError: Error, CustomStringConvertible {
    var path: String
    var owner: String
    package var description: String {
        "journal.path \(path) belongs to \(owner): run the command as that user (sudo -u \(owner) podero-team-sync …), so that the service keeps access to its journal; the operator recorded is SUDO_USER"
    }
}
