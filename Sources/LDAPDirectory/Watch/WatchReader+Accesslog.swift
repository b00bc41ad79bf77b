import CLDAP
import Glibc
import TeamSyncCore

/// The accesslog side of a watch batch (`directory.accesslog_base`): a changed group's added
/// and removed members read from OpenLDAP's change log instead of all its members.
extension WatchReader.Batch {
    /// What the accesslog says changed in a group since the version the replica holds.
    enum LoggedChanges {
        case unchanged
        case gone
        /// Each member added (true) or removed (false), in order, and the new version.
        case changed([(DistinguishedName, Bool)], version: String)
    }

    /// Most log entries read for one group change; more are left to a read of the group.
    static let logEntryLimit = 200

    /// The changes of the group at `dn` since the replica's version of it, from the
    /// accesslog; nil when only a read of all its members can tell (no accesslog, version
    /// unknown or no longer in the log, the newest write not logged (yet), a rename of the
    /// group, a replace of all its members). refint's rewrites are neither logged nor change
    /// `entryCSN`: the watch's one-value checks after a rename or delete cover them.
    func changesFromLog(_ dn: DistinguishedName, _ replica: DirectoryReplica) throws -> LoggedChanges? {
        guard let logBase = settings.accesslogBase, settings.groups.memberAttribute == .member,
            let known = replica.version(of: dn), replica.isGroup(dn) else { return nil }
        var current: String?
        let csn = CStringList(["entryCSN"])
        try readEntry(dn, filter: settings.groups.filter, attributes: ["entryCSN"], purpose: "read a changed group's version") { entry in
            current = entry.strings(csn[0]).first
        }
        guard let current else { return .gone }
        if current == known { return .unchanged }
        // The log entry can be written a moment after the change is announced: one retry.
        for attempt in 0..<2 {
            if attempt > 0 { usleep(50_000) }
            let entries: [LogEntry]?
            do {
                entries = try logEntries(logBase, dn, since: known)
            } catch let error as LDAPError where (error.code ?? -1) > 0 {
                // The server answered (no such base, no access…): the group is read whole;
                // `run` warned at start. A lost connection fails the batch as any read does.
                reader.logger.debug("the accesslog could not be read; the group is read whole", metadata: ["error": "\(error)"])
                return nil
            }
            guard let entries else { return nil }
            // The write that made the version held must be there too: otherwise entries in
            // between may have been purged (logpurge) and the log cannot tell.
            guard entries.contains(where: { $0.csn == known }) else { return nil }
            let newer = entries.filter { $0.csn > known }.sorted { $0.csn < $1.csn }
            guard newer.last?.csn == current else { continue }
            var changes: [(DistinguishedName, Bool)] = []
            for entry in newer {
                guard entry.type == "modify" else { return nil }
                for modification in entry.modifications {
                    guard let change = AccesslogModification.memberChange(modification, attribute: settings.groups.memberAttribute.rawValue) else { return nil }
                    if let change { changes.append(change) }
                }
            }
            return .changed(changes, version: current)
        }
        return nil
    }

    private struct LogEntry {
        var csn: String
        var type: String
        var modifications: [String]
    }

    /// The successful writes to `dn` logged since `known`; nil when there are too many.
    private func logEntries(_ base: String, _ dn: DistinguishedName, since known: String) throws -> [LogEntry]? {
        let filter = "(&(objectClass=auditWriteObject)(reqDN=\(Self.escaped(Array(dn.normalized.utf8))))(reqResult=0)(entryCSN>=\(Self.escaped(Array(known.utf8)))))"
        let names = CStringList(["entryCSN", "reqType", "reqMod"])
        var entries: [LogEntry] = []
        let request = LDAPConnection.SearchRequest(
            purpose: "read a changed group's log", baseDN: base, filter: filter, attributes: ["entryCSN", "reqType", "reqMod"],
            pageSize: Self.logEntryLimit + 1, timeout: settings.timeout, domainScope: false)
        var tooMany = false
        try connection.pagedSearch(request) { entry in
            guard entries.count <= Self.logEntryLimit else { tooMany = true; return }
            guard let csn = entry.strings(names[0]).first, let type = entry.strings(names[1]).first else { return }
            entries.append(LogEntry(csn: csn, type: type.lowercased(), modifications: entry.strings(names[2])))
        }
        return tooMany || entries.count > Self.logEntryLimit ? nil : entries
    }

}

/// The values of an accesslog entry's `reqMod` (slapo-accesslog(5)): `attribute:op value`.
package enum AccesslogModification {
    /// One `reqMod` value (`member:+ uid=…`): an added or removed member; `.some(nil)` for
    /// another attribute (ignored); nil when only a read of the group can tell (a replace,
    /// a delete of every value, a value that is no DN).
    package static func memberChange(_ modification: String, attribute: String) -> (DistinguishedName, Bool)?? {
        guard let colon = modification.firstIndex(of: ":") else { return nil }
        let name = modification[..<colon]
        guard name.lowercased() == attribute.lowercased() else {
            // Another attribute, or the member attribute with options: only the plain one counts.
            return name.lowercased().hasPrefix(attribute.lowercased() + ";") ? nil : .some(nil)
        }
        let rest = modification[modification.index(after: colon)...]
        guard let operation = rest.first else { return nil }
        var value = rest.dropFirst()
        if value.first == " " { value = value.dropFirst() }
        guard !value.isEmpty, operation == "+" || operation == "-", let member = DistinguishedName(String(value)) else { return nil }
        return .some((member, operation == "+"))
    }
}
