import Foundation
import Logging
import TeamSyncCore
import TestSupport
@testable import TeamSyncApp

/// Named people, accounts and actions for the in-process tests of the apply side.
enum Fixture {
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    static func newAccount(_ name: String, role: Role = .staff) -> NewAccount {
        NewAccount(role: role, email: "\(name)@example.com", firstName: name.capitalized, lastName: "Example", externalID: ExternalID(name))
    }

    /// A live Podero account `p-name` carrying external id `name`.
    static func remote(_ name: String, role: RemoteAccount.Role = .staff, softDeleted: Bool = false) -> RemoteAccount {
        RemoteAccount(id: "p-\(name)", role: role, email: "\(name)@example.com", externalID: ExternalID(name),
            firstName: name.capitalized, lastName: "Example", isSoftDeleted: softDeleted)
    }

    static func managed(_ name: String, role: Role = .staff, state: ManagedAccount.State = .active) -> ManagedAccount {
        ManagedAccount(externalID: ExternalID(name), poderoID: "p-\(name)", email: "\(name)@example.com", role: role, state: state,
            firstSeen: Date(timeIntervalSince1970: 1_700_000_000))
    }

    static func create(_ name: String, role: Role = .staff, restore: Bool = false) -> PlanAction {
        PlanAction(person: ExternalID(name), email: "\(name)@example.com", reason: "joined",
            change: .create(newAccount(name, role: role), isRestore: restore))
    }

    static func adopt(_ name: String, current: Role = .staff, desired: Role = .staff) -> PlanAction {
        PlanAction(person: ExternalID(name), email: "\(name)@example.com", reason: "adopting",
            change: .adopt(poderoID: "p-\(name)", current: current, desired: desired))
    }

    static func updateRole(_ name: String, from: Role = .staff, to: Role = .admin) -> PlanAction {
        PlanAction(person: ExternalID(name), email: "\(name)@example.com", reason: "promoted",
            change: .updateRole(poderoID: "p-\(name)", from: from, to: to))
    }

    static func updateProfile(_ name: String, lastName: String) -> PlanAction {
        PlanAction(person: ExternalID(name), email: "\(name)@example.com", reason: "directory changed: last_name",
            change: .updateProfile(poderoID: "p-\(name)", AccountChanges(lastName: .some(lastName)), current: .staff, desired: .staff))
    }

    static func markDeparted(_ account: ManagedAccount) -> PlanAction {
        PlanAction(person: account.externalID, email: account.email, reason: "gone", change: .markDeparted(account))
    }

    static func softDelete(_ account: ManagedAccount) -> PlanAction {
        PlanAction(person: account.externalID, email: account.email, reason: "gone", change: .softDelete(account))
    }

    static func hardDelete(_ account: ManagedAccount) -> PlanAction {
        PlanAction(person: account.externalID, email: account.email, reason: "purge", change: .hardDelete(account))
    }

    static func executor(
        _ provider: FakeAccountProvider, _ journal: InMemoryJournal, clock: FixedClock = FixedClock(), dryRun: Bool = false,
        budget: Int = 10, concurrency: Int = 4
    ) -> Executor {
        var executor = Executor(provider: provider, journal: journal, runID: "run-1", dryRun: dryRun, concurrency: concurrency,
            errorBudget: budget, logger: logger)
        executor.now = clock.read
        return executor
    }
}
