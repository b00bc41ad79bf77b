import CLDAP
import Dispatch
import Logging
import TeamSyncCore

/// What the entries a watch reported look like now, read afresh.
package struct AffectedRead: Sendable {
    /// Valid people, with their memberships from the replica.
    package var people: [DirectoryPerson] = []
    /// Entries of people that cannot be used (their diagnostics say why).
    package var skipped: [SkippedEntry] = []
    /// DNs at which the users search finds nobody now.
    package var vacated: Set<DistinguishedName> = []
    /// Ids (entryUUID, objectGUID) the server reported gone without a DN.
    package var goneUUIDs: Set<String> = []
    /// Ids of changed entries that are no person where they are now (moved out, or no longer
    /// matching): whoever had one of them may have left.
    package var leftUUIDs: Set<String> = []
    /// Why only a complete read can answer (a group too large to follow one by one…).
    package var fullReadNeeded: String?
    /// Changed groups read with all their members, and those whose changes came from the
    /// accesslog (`directory.accesslog_base`).
    package var groupsReadWhole = 0
    package var groupsFromLog = 0
    /// One-value checks of a group (`DirectoryChange.listing`).
    package var groupValuesChecked = 0
}

/// The watch's replica, changed in place (a value passed around would be copied whole on its
/// first change: 100,000 members). One batch at a time uses it: the watch applies batches one
/// after the other, and a complete read installs a new box between them.
package final class ReplicaBox: @unchecked Sendable {
    package var replica: DirectoryReplica

    package init(_ replica: DirectoryReplica) { self.replica = replica }
}

/// Reads the entries a watch reported, one by one (base-scope searches), on a connection of
/// its own per batch, off Swift's cooperative pool. The replica of the groups is updated from
/// the group entries read.
package struct WatchReader: Sendable {
    package let settings: LDAPSettings
    let logger: Logger
    private let queue = DispatchQueue(label: "podero-team-sync.watch-reader", qos: .userInitiated)
    /// Most people re-read for one batch; a change that touches more is left to a complete read.
    package static let peopleLimit = 2_000

    package init(settings: LDAPSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    /// Reads what `changes` touched, updating the replica in `box` from the groups read.
    package func read(_ changes: [DirectoryChange], into box: ReplicaBox) async throws -> AffectedRead {
        try await onQueue { connection in
            try Batch(reader: self, connection: connection).read(changes, &box.replica)
        }
    }

    /// Looks for the people with these external ids anywhere under `directory.users` (someone
    /// renamed or moved); returns what was found, read like any other person.
    package func find(externalIDs: [ExternalID], replica: DirectoryReplica) async throws -> AffectedRead {
        try await onQueue { connection in
            try Batch(reader: self, connection: connection).find(externalIDs, replica)
        }
    }

    private func onQueue<T: Sendable>(_ body: @escaping @Sendable (LDAPConnection) throws -> T) async throws -> T {
        let settings = self.settings
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result {
                    let connection = try LDAPConnection.bound(settings: settings)
                    defer { connection.close() }
                    return try body(connection)
                })
            }
        }
    }

    /// One batch of reads on one connection.
    struct Batch {
        let reader: WatchReader
        let connection: LDAPConnection
        var settings: LDAPSettings { reader.settings }
        var usersBase: DistinguishedName? { DistinguishedName(settings.users.baseDN) }
        var groupsBase: DistinguishedName? { DistinguishedName(settings.groups.baseDN) }

        func read(_ changes: [DirectoryChange], _ replica: inout DirectoryReplica) throws -> AffectedRead {
            var result = AffectedRead()
            var people = Set<GroupGraph.Member>()
            // The id of each changed entry: one that is no person (anymore) where it is now may
            // have left the users base (DirSync reports a move under the new DN only).
            var ids: [DistinguishedName: String] = [:]
            // A value to check in a group the replica does not hold (new, renamed): read it whole, once.
            var unknown = Set<DistinguishedName>()
            let changes = changes.compactMap { change -> DirectoryChange? in
                guard case .listing(let group, _) = change, !replica.isGroup(group) else { return change }
                return unknown.insert(group).inserted ? .upserted(group, uuid: nil) : nil
            }
            for change in changes {
                if case .upserted(let dn, let uuid?) = change { ids[dn] = uuid }
                switch change {
                case .gone(let dn, let uuid):
                    guard let dn else {
                        if let uuid { result.goneUUIDs.insert(uuid) }
                        continue
                    }
                    if replica.isGroup(dn) {
                        for member in replica.removeGroup(dn) { people.formUnion(replica.people(reachedFrom: member)) }
                    }
                    people.insert(.dn(dn))
                case .listing(let group, let member):
                    guard replica.isGroup(group) else { continue }
                    result.groupValuesChecked += 1
                    if replica.setListed(member, in: group, try lists(group, member)) {
                        people.formUnion(replica.people(reachedFrom: .dn(member)))
                    }
                case .upserted(let dn, _):
                    if let base = groupsBase, dn.isWithin(base), let logged = try changesFromLog(dn, replica) {
                        switch logged {
                        case .unchanged:
                            break
                        case .gone:
                            for member in replica.removeGroup(dn) { people.formUnion(replica.people(reachedFrom: member)) }
                        case .changed(let list, let version):
                            result.groupsFromLog += 1
                            for (member, listed) in list where replica.setListed(member, in: dn, listed) {
                                people.formUnion(replica.people(reachedFrom: .dn(member)))
                            }
                            replica.setVersion(version, of: dn)
                        }
                    } else if let base = groupsBase, dn.isWithin(base) {
                        result.groupsReadWhole += 1
                        if let (values, version) = try readGroup(dn) {
                            // Whoever was added or removed, and everyone below an added or removed
                            // nested group, can gain or lose a role; the other members cannot.
                            for member in replica.replaceGroup(dn, values: values, parse: memberParser) {
                                people.formUnion(replica.people(reachedFrom: member))
                            }
                            replica.setVersion(version, of: dn)
                        } else if replica.isGroup(dn) {
                            for member in replica.removeGroup(dn) { people.formUnion(replica.people(reachedFrom: member)) }
                        }
                    }
                    if let base = usersBase, dn.isWithin(base) { people.insert(.dn(dn)) } else if !replica.isGroup(dn), let uuid = ids[dn] {
                        result.leftUUIDs.insert(uuid)
                    }
                }
                if people.count > WatchReader.peopleLimit {
                    result.fullReadNeeded = "a change touches more than \(WatchReader.peopleLimit) people"
                    return result
                }
            }
            for member in people {
                switch member {
                case .dn(let dn):
                    guard !replica.isGroup(dn) else { continue }
                    if let candidate = try readPerson(dn) { try add(candidate, replica, to: &result) } else {
                        result.vacated.insert(dn)
                        if let uuid = ids[dn] { result.leftUUIDs.insert(uuid) }
                    }
                case .uid(let uid):
                    for candidate in try search(attribute: settings.users.uidAttribute, value: Array(uid.utf8)) {
                        try add(candidate, replica, to: &result)
                    }
                }
            }
            return result
        }

        func find(_ ids: [ExternalID], _ replica: DirectoryReplica) throws -> AffectedRead {
            var result = AffectedRead()
            let binary = ExternalIDDecoder.isBinaryGUID(settings.users.externalIDAttribute)
            for id in ids {
                guard let value = binary ? ExternalIDDecoder.guidBytes(id.rawValue) : Array(id.rawValue.utf8) else { continue }
                for candidate in try search(attribute: settings.users.externalIDAttribute, value: value) {
                    try add(candidate, replica, to: &result)
                }
            }
            return result
        }

        private var decoder: PersonDecoder {
            PersonDecoder(settings.users, readsUID: settings.groups.memberAttribute == .memberUid)
        }

        /// The person at `dn` if the users search would find it there.
        private func readPerson(_ dn: DistinguishedName) throws -> PersonCandidate? {
            guard let base = usersBase, dn.isWithin(base) else { return nil }
            var found: PersonCandidate?
            let decoder = self.decoder
            try readEntry(dn, filter: settings.users.filter, attributes: decoder.requestedAttributes, purpose: "read a changed person") { entry in
                found = decoder.decode(entry)
            }
            return found
        }

        /// The member values of the group at `dn` as the server sent them, with its version
        /// (`entryCSN`, when an accesslog is configured), or nil when the groups search does not
        /// find it there. A large Active Directory group sends its members in ranges; they are
        /// collected.
        private func readGroup(_ dn: DistinguishedName) throws -> (values: [String], version: String?)? {
            let attribute = settings.groups.memberAttribute
            var values: [String]?
            var version: String?
            var ranged: RangedValueCollector.Part?
            var raw: String?
            let names = CStringList([attribute.rawValue, "entryCSN"])
            let versioned = settings.accesslogBase != nil
            try readEntry(dn, filter: settings.groups.filter, attributes: [attribute.rawValue] + (versioned ? ["entryCSN"] : []),
                          purpose: "read a changed group") { entry in
                if DirectoryReader.hasRangedValues(entry.attributeNames(), memberAttribute: attribute.rawValue) {
                    ranged = entry.allStrings()
                    raw = entry.rawDistinguishedName()
                }
                values = entry.strings(names[0])
                if versioned { version = entry.strings(names[1]).first }
            }
            if let first = ranged, let raw {
                let collector = RangedValueCollector(attribute: attribute.rawValue, purpose: "read a changed group's members in ranges")
                values = try collector.collect(first: first) { description in
                    try connection.readEntry(raw, attributes: [description], purpose: collector.purpose, timeout: settings.timeout)
                }
            }
            return values.map { ($0, version) }
        }

        /// Whether the group at `dn` lists `member` (one value asked for: a search of the group
        /// alone with an equality filter on the member attribute).
        private func lists(_ dn: DistinguishedName, _ member: DistinguishedName) throws -> Bool {
            let attribute = settings.groups.memberAttribute.rawValue
            let filter = "(&\(DirectoryReader.parenthesized(settings.groups.filter))(\(attribute)=\(Self.escaped(Array(member.normalized.utf8)))))"
            var found = false
            try readEntry(dn, filter: filter, attributes: ["1.1"], purpose: "check a changed group's member") { _ in found = true }
            return found
        }

        /// A member value as a member.
        private var memberParser: (String) -> GroupGraph.Member? {
            let attribute = settings.groups.memberAttribute
            return { value in
                switch attribute {
                case .memberUid: .uid(value.trimmingASCIIWhitespace())
                case .member, .uniqueMember:
                    DistinguishedName(attribute == .uniqueMember ? DirectoryReader.strippingOptionalUID(value) : value).map { .dn($0) }
                }
            }
        }

        /// People of the users search whose `attribute` equals `value`.
        private func search(attribute: String, value: [UInt8]) throws -> [PersonCandidate] {
            let filter = "(&\(DirectoryReader.parenthesized(settings.users.filter))(\(attribute)=\(Self.escaped(value))))"
            var found: [PersonCandidate] = []
            let decoder = self.decoder
            let request = LDAPConnection.SearchRequest(
                purpose: "look a person up", baseDN: settings.users.baseDN, filter: filter, attributes: decoder.requestedAttributes,
                pageSize: settings.pageSize, timeout: settings.timeout, domainScope: settings.domainScope)
            try connection.pagedSearch(request) { entry in
                if let candidate = decoder.decode(entry) { found.append(candidate) }
            }
            return found
        }

        /// How many entries of the users search carry this e-mail or external id.
        private func holders(of person: PersonCandidate.ValidPerson) throws -> (ids: Int, emails: Int) {
            var ids = 0
            var emails = 0
            let users = settings.users
            let binary = ExternalIDDecoder.isBinaryGUID(users.externalIDAttribute)
            let idClause = binary ? "" : "(\(users.externalIDAttribute)=\(Self.escaped(Array(person.externalID.rawValue.utf8))))"
            let filter = "(&\(DirectoryReader.parenthesized(users.filter))(|(\(users.emailAttribute)=\(Self.escaped(Array(person.email.value.utf8))))\(idClause)))"
            let names = CStringList([users.externalIDAttribute, users.emailAttribute])
            let request = LDAPConnection.SearchRequest(
                purpose: "check a changed person is unique", baseDN: users.baseDN, filter: filter,
                attributes: [users.externalIDAttribute, users.emailAttribute],
                pageSize: settings.pageSize, timeout: settings.timeout, domainScope: settings.domainScope)
            try connection.pagedSearch(request) { entry in
                if !binary, entry.strings(names[0]).contains(person.externalID.rawValue) { ids += 1 }
                if entry.strings(names[1]).contains(where: { EmailAddress($0)?.key == person.email.key }) { emails += 1 }
            }
            return (ids, emails)
        }

        private func add(_ candidate: PersonCandidate, _ replica: DirectoryReplica, to result: inout AffectedRead) throws {
            switch candidate.content {
            case .skipped(let entry):
                result.skipped.append(entry)
            case .valid(let person):
                let (ids, emails) = try holders(of: person)
                if ids > 1 || emails > 1 {
                    let what = ids > 1 ? "external id" : "e-mail address"
                    let count = max(ids, emails)
                    result.skipped.append(SkippedEntry(dn: candidate.dn, externalID: person.externalID, email: person.email,
                        diagnostic: Diagnostic(ids > 1 ? .duplicateExternalID : .duplicateEmail, entry: candidate.dn.normalized,
                            message: "shares its \(what) with \(count - 1) other entr\(count == 2 ? "y" : "ies"); all of them are skipped until that is fixed")))
                    return
                }
                result.people.append(DirectoryPerson(
                    externalID: person.externalID, dn: candidate.dn, email: person.email, firstName: person.firstName,
                    lastName: person.lastName, isDisabled: try isDisabled(candidate.dn),
                    memberships: replica.memberships(of: candidate.dn, uid: candidate.uid), expiresAt: person.expiresAt))
            }
        }

        private func isDisabled(_ dn: DistinguishedName) throws -> Bool {
            guard let disabled = settings.users.disabledFilter else { return false }
            var found = false
            let filter = "(&\(DirectoryReader.parenthesized(settings.users.filter))\(DirectoryReader.parenthesized(disabled)))"
            try readEntry(dn, filter: filter, attributes: ["1.1"], purpose: "check whether a changed person is disabled") { _ in found = true }
            return found
        }

        /// A base-scope read of `dn` with `filter`; no entry (or no such object) calls nothing.
        func readEntry(_ dn: DistinguishedName, filter: String, attributes: [String], purpose: String,
                               _ body: (borrowing LDAPEntry) throws -> Void) throws {
            let request = LDAPConnection.SearchRequest.entry(
                dn.normalized, filter: DirectoryReader.parenthesized(filter), attributes: attributes, purpose: purpose,
                timeout: settings.timeout, domainScope: settings.domainScope)
            do {
                try connection.pagedSearch(request, onEntry: body)
            } catch let error as LDAPError where error.code == LDAP_NO_SUCH_OBJECT {
                return
            }
        }

        /// An assertion value for a filter (RFC 4515): special characters and non-ASCII as \xx.
        static func escaped(_ bytes: [UInt8]) -> String {
            let digits = Array("0123456789abcdef".utf8)
            var text: [UInt8] = []
            for byte in bytes {
                if byte < 0x20 || byte >= 0x7F || byte == UInt8(ascii: "*") || byte == UInt8(ascii: "(") || byte == UInt8(ascii: ")") || byte == UInt8(ascii: "\\") {
                    text += [UInt8(ascii: "\\"), digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
                } else {
                    text.append(byte)
                }
            }
            return String(decoding: text, as: UTF8.self)
        }
    }
}
