import Foundation
import Synchronization
import TeamSyncCore

/// An in-process `AccountProvider` that refuses what Podero refuses: a second live account with
/// an e-mail (compared ignoring ASCII case) or an external id already taken, an unknown or
/// soft-deleted id, and — when `softDeletedBlocksReuse` — an e-mail or external id still held
/// by a soft-deleted account. Failures can be injected per operation, before the change or
/// after it ("applied but the answer was lost"). Every call is logged for assertions.
package final class FakeAccountProvider: AccountProvider {
    /// The provider's operations.
    package enum Operation: String, Sendable, Hashable {
        case list, lookUp, create, update, delete
    }

    /// An injected failure.
    package enum Fault: Sendable, Equatable {
        /// Fails before anything changes.
        case fail(AccountFailure)
        /// Makes the change, then fails as if the answer was lost (transient, outcome unknown).
        case applyThenLoseAnswer
    }

    /// One call as the provider saw it: the operation and the external id or Podero id.
    package struct Call: Sendable, Equatable {
        package var operation: Operation
        package var key: String
    }

    private struct State {
        var accounts: [RemoteAccount]
        var nextID = 1
        var calls: [Call] = []
        var faults: [(operation: Operation, key: String?, fault: Fault)] = []
        var softDeletedBlocksReuse: Bool
        var hiddenFromList: Set<String> = []
    }

    private let state: Mutex<State>

    /// Creates a provider holding `accounts` (soft-deleted ones marked `isSoftDeleted`).
    package init(accounts: [RemoteAccount] = [], softDeletedBlocksReuse: Bool = false) {
        state = Mutex(State(accounts: accounts, softDeletedBlocksReuse: softDeletedBlocksReuse))
    }

    /// Makes the next `operation` (on `key`, an external id or Podero id, when given) fail, `times` times.
    package func inject(_ fault: Fault, on operation: Operation, key: String? = nil, times: Int = 1) {
        state.withLock { state in
            for _ in 0..<times { state.faults.append((operation, key, fault)) }
        }
    }

    /// Every account, soft-deleted ones included.
    package var accounts: [RemoteAccount] { state.withLock { $0.accounts } }

    /// Every call so far, in order.
    package var calls: [Call] { state.withLock { $0.calls } }

    /// The calls of one operation.
    package func calls(_ operation: Operation) -> [Call] { calls.filter { $0.operation == operation } }

    /// Leaves these Podero ids out of every list, as a list that is short without saying so.
    package func hideFromList(_ ids: Set<String>) { state.withLock { $0.hiddenFromList = ids } }

    /// Removes an account for good, as an administrator purging it by hand would.
    package func purge(id: String) { state.withLock { $0.accounts.removeAll { $0.id == id } } }

    // MARK: AccountProvider

    package func listAccounts(includeDeleted: Bool) async throws -> [RemoteAccount] {
        try perform(.list, key: includeDeleted ? "include_deleted" : "live") { state in
            state.accounts.filter { (includeDeleted || !$0.isSoftDeleted) && !state.hiddenFromList.contains($0.id) }
        }
    }

    package func account(id: String) async throws -> RemoteAccount? {
        try perform(.lookUp, key: id) { state in state.accounts.first { $0.id == id && !$0.isSoftDeleted } }
    }

    package func account(externalID: ExternalID, includeDeleted: Bool) async throws -> RemoteAccount? {
        try perform(.lookUp, key: externalID.rawValue) { state in
            state.accounts.first { $0.externalID == externalID && (includeDeleted || !$0.isSoftDeleted) }
        }
    }

    package func create(_ account: NewAccount) async throws -> RemoteAccount {
        try perform(.create, key: account.externalID.rawValue) { state in
            let holders = state.accounts.filter { !$0.isSoftDeleted || state.softDeletedBlocksReuse }
            if holders.contains(where: { Self.sameEmail($0.email, account.email) }) { throw FakeAccountError(.duplicate(.email), "create") }
            if holders.contains(where: { $0.externalID == account.externalID }) { throw FakeAccountError(.duplicate(.externalID), "create") }
            let created = RemoteAccount(
                id: "fake-\(state.nextID)", role: account.role == .admin ? .admin : .staff, email: account.email,
                externalID: account.externalID, firstName: account.firstName, lastName: account.lastName)
            state.nextID += 1
            state.accounts.append(created)
            return created
        }
    }

    package func update(id: String, _ changes: AccountChanges) async throws -> RemoteAccount {
        try perform(.update, key: id) { state in
            guard let index = state.accounts.firstIndex(where: { $0.id == id && !$0.isSoftDeleted }) else {
                throw FakeAccountError(.notFound, "update")
            }
            let others = state.accounts.indices.filter { $0 != index && !state.accounts[$0].isSoftDeleted }
            if let email = changes.email, others.contains(where: { Self.sameEmail(state.accounts[$0].email, email) }) {
                throw FakeAccountError(.duplicate(.email), "update")
            }
            if let externalID = changes.externalID, others.contains(where: { state.accounts[$0].externalID == externalID }) {
                throw FakeAccountError(.duplicate(.externalID), "update")
            }
            if let role = changes.role { state.accounts[index].role = role == .admin ? .admin : .staff }
            if let email = changes.email { state.accounts[index].email = email }
            if let firstName = changes.firstName { state.accounts[index].firstName = firstName }
            if let lastName = changes.lastName { state.accounts[index].lastName = lastName }
            if let externalID = changes.externalID { state.accounts[index].externalID = externalID }
            return state.accounts[index]
        }
    }

    package func delete(id: String, soft: Bool) async throws {
        try perform(.delete, key: id) { state in
            guard let index = state.accounts.firstIndex(where: { $0.id == id && (!soft || !$0.isSoftDeleted) }) else {
                throw FakeAccountError(.notFound, soft ? "soft delete" : "hard delete")
            }
            if soft { state.accounts[index].isSoftDeleted = true } else { state.accounts.remove(at: index) }
        }
    }

    // MARK: Mechanics

    /// Logs the call, applies an injected fault if one matches, else runs `body`.
    private func perform<T>(_ operation: Operation, key: String, _ body: (inout State) throws -> T) throws -> T {
        try state.withLock { state in
            state.calls.append(Call(operation: operation, key: key))
            if let index = state.faults.firstIndex(where: { $0.operation == operation && ($0.key == nil || $0.key == key) }) {
                let fault = state.faults.remove(at: index).fault
                switch fault {
                case .fail(let failure):
                    throw FakeAccountError(failure, operation.rawValue)
                case .applyThenLoseAnswer:
                    _ = try body(&state)
                    throw FakeAccountError(.transient(outcomeUnknown: true), operation.rawValue)
                }
            }
            return try body(&state)
        }
    }

    /// E-mails compare as the core compares them: ignoring ASCII case only.
    private static func sameEmail(_ lhs: String, _ rhs: String) -> Bool {
        lhs.caseFoldedKey() == rhs.caseFoldedKey()
    }
}

/// The fake provider's errors.
package struct FakeAccountError: AccountProviderError, Equatable {
    package var failure: AccountFailure
    package var operation: String

    package init(_ failure: AccountFailure, _ operation: String) {
        self.failure = failure
        self.operation = operation
    }

    package var description: String { "fake \(operation) failed: \(failure)" }
}
