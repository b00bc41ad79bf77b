import CLDAP
import Foundation
import TeamSyncCore

/// One RFC 4533 refreshAndPersist search on its own connection, read one message at a time
/// (`LDAP_MSG_ONE`), so a burst of changes is never merged or lost. Blocking; lives on the
/// watch thread. Not `Sendable`.
final class SyncReplSession {
    /// What one message said.
    enum Message {
        /// An entry was added or changed (a rename arrives under its new DN).
        case upserted(DistinguishedName, uuid: String)
        /// An entry left the searched content (deleted, moved out, or no longer matching).
        case deleted(DistinguishedName?, uuid: String)
        /// Refresh stage: the entry is unchanged and still there.
        case present
        /// Refresh stage: these entries are gone (`refreshDeletes`) or still there.
        case idSet(uuids: [String], deletes: Bool)
        /// The refresh stage is over; persist begins.
        case refreshDone(usedPresentPhase: Bool)
        /// Only a new cookie.
        case cookie
    }

    private let connection: LDAPConnection
    private let messageID: Int32
    private let purpose = "watch the directory (syncrepl)"
    /// The newest cookie the server sent; opaque.
    private(set) var cookie: [UInt8]?
    private var sawPresentPhase = false

    /// Connects, binds and sends the sync search over `base` with `filter`, asking for no
    /// attributes (`1.1`): a change is only a signal, the entry is read afresh before it is used.
    init(settings: LDAPSettings, base: String, filter: String, cookie: [UInt8]?) throws {
        connection = try LDAPConnection.bound(settings: settings)
        do {
            self.cookie = cookie
            messageID = try Self.send(connection, base: base, filter: filter, cookie: cookie, purpose: purpose)
        } catch {
            connection.close()
            throw error
        }
    }

    func close() { connection.close() }

    private static func send(_ connection: LDAPConnection, base: String, filter: String, cookie: [UInt8]?, purpose: String) throws -> Int32 {
        let ld = connection.rawHandle
        var control: UnsafeMutablePointer<LDAPControl>?
        let code = (cookie ?? []).withUnsafeBytes { bytes in
            cldap_sync_request_control(LDAP_SYNC_REFRESH_AND_PERSIST, bytes.baseAddress?.assumingMemoryBound(to: CChar.self),
                ber_len_t(bytes.count), &control)
        }
        guard code == LDAP_SUCCESS, let control else {
            if let control { ldap_control_free(control) }
            throw connection.failure(code, operation: purpose)
        }
        defer { ldap_control_free(control) }
        var controls: [UnsafeMutablePointer<LDAPControl>?] = [control, nil]
        let attributes = CStringList(["1.1"])
        var pointers = attributes.nullTerminated
        var messageID: Int32 = 0
        let sent = ldap_search_ext(ld, base, LDAP_SCOPE_SUBTREE, filter, &pointers, 0, &controls, nil, nil, LDAP_NO_LIMIT, &messageID)
        guard sent == LDAP_SUCCESS else { throw connection.failure(sent, operation: purpose) }
        return messageID
    }

    /// The next message, or nil when nothing came within `wait`. Throws when the connection
    /// fails or the server ends the search (`LDAPError.code` 4096: the cookie is unusable).
    func next(wait: Duration) throws -> Message? {
        let ld = connection.rawHandle
        let (seconds, microseconds) = wait.timevalComponents
        var timeout = timeval(tv_sec: seconds, tv_usec: microseconds)
        var message: OpaquePointer?
        let type = ldap_result(ld, messageID, LDAP_MSG_ONE, &timeout, &message)
        // ldap_result(3): free the message with ldap_msgfree.
        defer { if let message { ldap_msgfree(message) } }
        switch type {
        case 0:
            return nil
        case -1:
            throw connection.failure(cldap_result_code(ld), operation: purpose)
        case Int32(LDAP_RES_SEARCH_ENTRY):
            return try entry(message!)
        case Int32(LDAP_RES_INTERMEDIATE):
            return try intermediate(message!)
        case Int32(LDAP_RES_SEARCH_RESULT):
            var code: Int32 = LDAP_OTHER
            var done: UnsafeMutablePointer<berval>?
            let parsed = cldap_parse_sync_result(ld, message!, &code, &done)
            if let done { ber_bvfree(done) }
            guard parsed == LDAP_SUCCESS else { throw connection.failure(parsed, operation: purpose) }
            if code == Self.refreshRequired {
                throw LDAPError(.incomplete, operation: purpose, code: code,
                    reason: "the server cannot continue from the stored cookie (e-syncRefreshRequired); a full read is needed")
            }
            throw LDAPError(.incomplete, operation: purpose, code: code == LDAP_SUCCESS ? LDAP_SERVER_DOWN : code,
                reason: code == LDAP_SUCCESS ? "the server ended the persistent search" : "the server ended the persistent search with result \(code)")
        default:
            return nil  // a continuation reference: never followed, and not a change of our content
        }
    }

    /// e-syncRefreshRequired (RFC 4533 3.4).
    static let refreshRequired: Int32 = 4096

    private func entry(_ message: OpaquePointer) throws -> Message {
        let ld = connection.rawHandle
        var state: Int32 = -1
        var uuidBytes = [UInt8](repeating: 0, count: 16)
        var newCookie: UnsafeMutablePointer<berval>?
        let code = uuidBytes.withUnsafeMutableBufferPointer { cldap_parse_sync_state(ld, message, &state, $0.baseAddress, &newCookie) }
        defer { if let newCookie { ber_bvfree(newCookie) } }
        guard code == LDAP_SUCCESS else {
            throw LDAPError(.incomplete, operation: purpose, code: code, reason: "an entry came without a readable sync state control")
        }
        take(newCookie)
        let uuid = Self.uuidText(uuidBytes)
        // Present entries (a refresh) need no DN: it is parsed only for changes.
        let dn = state == Int32(LDAP_SYNC_PRESENT) ? nil : LDAPEntry(handle: ld, message: message).distinguishedName()
        switch state {
        case Int32(LDAP_SYNC_ADD), Int32(LDAP_SYNC_MODIFY):
            guard let dn else {
                throw LDAPError(.incomplete, operation: purpose, reason: "a changed entry came with a DN that does not parse")
            }
            return .upserted(dn, uuid: uuid)
        case Int32(LDAP_SYNC_DELETE):
            return .deleted(dn, uuid: uuid)
        case Int32(LDAP_SYNC_PRESENT):
            sawPresentPhase = true
            return .present
        default:
            throw LDAPError(.incomplete, operation: purpose, reason: "an entry came with the unknown sync state \(state)")
        }
    }

    private func intermediate(_ message: OpaquePointer) throws -> Message {
        var info = cldap_sync_info()
        let code = cldap_parse_sync_info(connection.rawHandle, message, &info)
        defer {
            if let cookie = info.cookie { ber_bvfree(cookie) }
            if let uuids = info.uuids { ber_bvarray_free(uuids) }
        }
        guard code == LDAP_SUCCESS else {
            throw LDAPError(.incomplete, operation: purpose, code: code, reason: "a sync info message could not be read")
        }
        take(info.cookie)
        switch info.kind {
        case 1:
            return .cookie
        case 2, 3:
            if info.kind == 3 { sawPresentPhase = true }
            return info.refresh_done != 0 ? .refreshDone(usedPresentPhase: sawPresentPhase) : .cookie
        default:
            var uuids: [String] = []
            var index = 0
            while let uuids_ = info.uuids, let value = uuids_[index].bv_val {
                let bytes = UnsafeRawBufferPointer(start: value, count: Int(uuids_[index].bv_len))
                if bytes.count == 16 { uuids.append(Self.uuidText(Array(bytes))) }
                index += 1
            }
            if info.refresh_deletes == 0 { sawPresentPhase = true }
            return .idSet(uuids: uuids, deletes: info.refresh_deletes != 0)
        }
    }

    private func take(_ value: UnsafeMutablePointer<berval>?) {
        guard let value, let bytes = value.pointee.bv_val, value.pointee.bv_len > 0 else { return }
        cookie = Array(UnsafeRawBufferPointer(start: bytes, count: Int(value.pointee.bv_len)))
    }

    /// 16 bytes → `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lower case, as slapd shows entryUUID.
    static func uuidText(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if [4, 6, 8, 10].contains(index) { text.append(UInt8(ascii: "-")) }
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
