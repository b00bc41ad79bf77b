import CLDAP
import Foundation
import TeamSyncCore

/// Active Directory's DirSync (MS-ADTS 3.1.1.3.4.1.3) on one connection: each `poll()` asks
/// for what changed since the cookie, with show-deleted (deletions arrive as tombstones with
/// `isDeleted`). It needs "Replicating Directory Changes"; with `objectSecurity` the bind
/// account needs no right but sees only what it may read, and no tombstones. Blocking; lives
/// on the watch thread. Not `Sendable`.
final class DirSyncSession {
    /// One changed object.
    struct Change {
        var dn: DistinguishedName?
        var guid: String?
        var deleted: Bool
        var isGroup: Bool
        /// The member values added (true) or removed (false) since the cookie, as
        /// LDAP_DIRSYNC_INCREMENTAL_VALUES sends them (`member;range=1-1`, `member;range=0-0`).
        var memberChanges: [(value: String, added: Bool)] = []
        /// The member attribute came whole (a server that ignores the incremental flag).
        var wholeMembers = false
        /// `name` came (DirSync sends changed attributes only): a new or renamed object.
        var named = false
    }

    /// LDAP_DIRSYNC_INCREMENTAL_VALUES (MS-ADTS 3.1.1.3.4.1.3): a linked attribute's changed
    /// values only, not all of them.
    static let incrementalValues = Int32(bitPattern: 0x8000_0000)

    private let connection: LDAPConnection
    private let base: String
    private let filter: String
    private let attributes: [String]
    private let timeout: Duration
    private let flags: Int32
    private let memberAttribute: String
    private let purpose = "watch the directory (DirSync)"
    /// The newest cookie; opaque, per domain controller.
    private(set) var cookie: [UInt8]?

    init(settings: LDAPSettings, base: String, filter: String, attributes: [String], cookie: [UInt8]?, objectSecurity: Bool) throws {
        flags = (objectSecurity ? Int32(LDAP_CONTROL_X_DIRSYNC_OBJECT_SECURITY) : 0) | Self.incrementalValues
        memberAttribute = settings.groups.memberAttribute.rawValue.lowercased()
        connection = try LDAPConnection.bound(settings: settings)
        self.base = base
        self.filter = filter
        self.attributes = attributes
        self.cookie = cookie
        timeout = settings.timeout
    }

    func close() { connection.close() }

    /// One DirSync request: the changes since the cookie, and whether the server has more.
    func poll() throws -> (changes: [Change], more: Bool) {
        let ld = connection.rawHandle
        var dirSync: UnsafeMutablePointer<LDAPControl>?
        var showDeleted: UnsafeMutablePointer<LDAPControl>?
        defer {
            if let dirSync { ldap_control_free(dirSync) }
            if let showDeleted { ldap_control_free(showDeleted) }
        }
        var bytes = cookie ?? []
        let created = bytes.withUnsafeMutableBytes { buffer -> Int32 in
            var value = berval(bv_len: ber_len_t(buffer.count), bv_val: buffer.baseAddress?.assumingMemoryBound(to: CChar.self))
            return ldap_create_dirsync_control(ld, flags, 0, &value, &dirSync)
        }
        guard created == LDAP_SUCCESS, dirSync != nil else { throw connection.failure(created, operation: purpose) }
        let shown = ldap_create_show_deleted_control(ld, &showDeleted)
        guard shown == LDAP_SUCCESS else { throw connection.failure(shown, operation: purpose) }
        var controls: [UnsafeMutablePointer<LDAPControl>?] = [dirSync, showDeleted, nil]
        let names = CStringList(attributes)
        var pointers = names.nullTerminated
        var messageID: Int32 = 0
        let sent = ldap_search_ext(ld, base, LDAP_SCOPE_SUBTREE, filter, &pointers, 0, &controls, nil, nil, LDAP_NO_LIMIT, &messageID)
        guard sent == LDAP_SUCCESS else { throw connection.failure(sent, operation: purpose) }
        var changes: [Change] = []
        let guidName = CStringList(["objectGUID", "isDeleted", "objectClass"])
        let (seconds, microseconds) = timeout.timevalComponents
        while true {
            var wait = timeval(tv_sec: seconds, tv_usec: microseconds)
            var message: OpaquePointer?
            let type = ldap_result(ld, messageID, LDAP_MSG_ONE, &wait, &message)
            // ldap_result(3): free the message with ldap_msgfree.
            defer { if let message { ldap_msgfree(message) } }
            switch type {
            case 0:
                ldap_abandon_ext(ld, messageID, nil, nil)
                throw LDAPError(.timeout, operation: purpose, code: LDAP_TIMEOUT, reason: "the server sent nothing for longer than directory.timeout")
            case -1:
                throw connection.failure(cldap_result_code(ld), operation: purpose)
            case Int32(LDAP_RES_SEARCH_ENTRY):
                let entry = LDAPEntry(handle: ld, message: message!)
                var guid: String?
                entry.forEachValue(guidName[0]) { if guid == nil { guid = ExternalIDDecoder.guidString($0) } }
                let deleted = entry.strings(guidName[1]).contains { $0.uppercased() == "TRUE" }
                let isGroup = entry.strings(guidName[2]).contains { $0.lowercased() == "group" }
                var change = Change(dn: deleted ? nil : entry.distinguishedName(), guid: guid, deleted: deleted, isGroup: isGroup)
                // DirSync sends changed attributes only, objectClass seldom: any entry with
                // member values is a group.
                if !deleted {
                    for name in entry.attributeNames() {
                        let lowered = name.lowercased()
                        let added = lowered == memberAttribute + ";range=1-1"
                        let description = CStringList([name])
                        if lowered == "name" { change.named = true }
                        if lowered == memberAttribute, !entry.strings(description[0]).isEmpty { change.wholeMembers = true }
                        guard added || lowered == memberAttribute + ";range=0-0" else { continue }
                        change.memberChanges += entry.strings(description[0]).map { ($0, added) }
                    }
                }
                changes.append(change)
            case Int32(LDAP_RES_SEARCH_RESULT):
                let more = try finish(message!)
                return (changes, more)
            default:
                continue  // references: DirSync on a naming context root sends none we could use
            }
        }
    }

    /// Checks the result and takes the new cookie; returns the "more data" flag.
    private func finish(_ message: OpaquePointer) throws -> Bool {
        let ld = connection.rawHandle
        var code: Int32 = LDAP_OTHER
        var text: UnsafeMutablePointer<CChar>?
        var controls: UnsafeMutablePointer<UnsafeMutablePointer<LDAPControl>?>?
        let parsed = ldap_parse_result(ld, message, &code, nil, &text, nil, &controls, 0)
        // ldap_parse_result(3): free these with ldap_memfree and ldap_controls_free.
        defer {
            if let text { ldap_memfree(text) }
            if let controls { ldap_controls_free(controls) }
        }
        guard parsed == LDAP_SUCCESS else { throw connection.failure(parsed, operation: purpose) }
        guard code == LDAP_SUCCESS else {
            throw LDAPErrorClassifier(usesTLS: false, timeout: .zero).error(code: code, operation: purpose, serverMessage: text.map { String(cString: $0) })
        }
        guard let response = ldap_control_find(LDAP_CONTROL_X_DIRSYNC, controls, nil) else {
            throw LDAPError(.incomplete, operation: purpose, reason: "the server did not return the DirSync control")
        }
        var more: Int32 = 0
        var value = berval(bv_len: 0, bv_val: nil)
        let decoded = ldap_parse_dirsync_control(ld, response, &more, &value)
        // The cookie's bytes are allocated by liblber ("o"): free them with ber_memfree.
        defer { if let bytes = value.bv_val { ber_memfree(bytes) } }
        guard decoded == LDAP_SUCCESS else { throw connection.failure(decoded, operation: purpose) }
        if let bytes = value.bv_val, value.bv_len > 0 {
            cookie = Array(UnsafeRawBufferPointer(start: bytes, count: Int(value.bv_len)))
        }
        return more != 0
    }
}
