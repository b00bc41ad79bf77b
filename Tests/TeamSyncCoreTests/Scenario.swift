import Foundation
import TeamSyncCore

/// A small world for planner tests: a directory, Podero's live accounts and the journal.
struct Scenario {
    static let admins = DistinguishedName("cn=podero-admins,ou=groups,dc=example,dc=com")!
    static let staff = DistinguishedName("cn=podero-staff,ou=groups,dc=example,dc=com")!
    static let leads = DistinguishedName("cn=ops-leads,ou=groups,dc=example,dc=com")!
    static let rules = [RoleRule(group: admins, role: .admin), RoleRule(group: staff, role: .staff)]
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    var people: [DirectoryPerson] = []
    var skipped: [SkippedEntry] = []
    var remote: [RemoteAccount] = []
    var managed: [ManagedAccount] = []
    var policy = SyncPolicy()
    var rules = Scenario.rules
    /// True when `remote` was listed with the soft-deleted accounts.
    var includesDeleted = false

    /// A person `name` with e-mail `name@example.com`, in the given groups.
    static func person(_ name: String, in groups: [DistinguishedName], disabled: Bool = false, email: String? = nil, via: [DistinguishedName] = []) -> DirectoryPerson {
        DirectoryPerson(
            externalID: ExternalID(name), dn: DistinguishedName("uid=\(name),ou=people,dc=example,dc=com")!,
            email: EmailAddress(email ?? "\(name)@example.com")!, firstName: name.capitalized, lastName: "Example",
            isDisabled: disabled, memberships: groups.map { GroupMembership(group: $0, via: via) })
    }

    /// A live Podero account.
    static func account(_ name: String, role: RemoteAccount.Role, externalID: String?? = .none, email: String? = nil) -> RemoteAccount {
        let ext: ExternalID? = switch externalID {
        case .none: ExternalID(name)
        case .some(let value): value.map(ExternalID.init)
        }
        return RemoteAccount(id: "id-\(name)", role: role, email: email ?? "\(name)@example.com", externalID: ext, firstName: name.capitalized, lastName: "Example")
    }

    /// A journal row for `name`'s account `id-name`.
    static func managed(_ name: String, role: Role, state: ManagedAccount.State = .active) -> ManagedAccount {
        ManagedAccount(externalID: ExternalID(name), poderoID: "id-\(name)", email: "\(name)@example.com", role: role, state: state, firstSeen: start,
            lastDN: "uid=\(name),ou=people,dc=example,dc=com")
    }

    func plan(at now: Date = Scenario.start) -> Plan {
        let snapshot = DirectorySnapshot(people: people, skipped: skipped)
        return Planner(policy: policy, rules: rules).plan(directory: snapshot, remote: remote, includesDeleted: includesDeleted, managed: managed, now: now)
    }
}

extension Plan {
    /// "kind externalID" lines, for compact assertions; skipped people last, as "skip externalID".
    var summary: [String] {
        actions.map { "\($0.kind.rawValue) \($0.person.rawValue)" } + skipped.map { "skip \($0.externalID?.rawValue ?? "-")" }
    }
}
