import CLDAP
import Foundation
import TeamSyncCore

extension LDAPConnection {
    /// A search request.
    struct SearchRequest {
        /// What is being read, for error messages ("search people").
        var purpose: String
        var baseDN: String
        var filter: String
        /// Attributes to return (`1.1` for none).
        var attributes: [String]
        var pageSize: Int
        var timeout: Duration
        /// Send Active Directory's domain-scope control (non-critical): the server then makes
        /// no referrals to other domains. Servers that do not know it ignore it (RFC 4511 4.1.11).
        var domainScope = false
        /// `LDAP_SCOPE_SUBTREE`, or `LDAP_SCOPE_BASE` for reading one entry.
        var scope: Int32 = LDAP_SCOPE_SUBTREE
        /// Ask for results in pages (RFC 2696, critical). Off only for base-scope reads.
        var paged = true
        /// Send Active Directory's show-deleted control (tombstones are returned too).
        var showDeleted = false

        /// A read of the one entry `dn` if it matches `filter` (base scope, not paged).
        static func entry(
            _ dn: String, filter: String = "(objectClass=*)", attributes: [String], purpose: String, timeout: Duration,
            domainScope: Bool = false
        ) -> SearchRequest {
            SearchRequest(
                purpose: purpose, baseDN: dn, filter: filter, attributes: attributes, pageSize: 0, timeout: timeout,
                domainScope: domainScope, scope: LDAP_SCOPE_BASE, paged: false)
        }
    }

    /// AD's LDAP_SERVER_DOMAIN_SCOPE_OID (MS-ADTS 3.1.1.3.4.1.3).
    static let domainScopeOID = "1.2.840.113556.1.4.1339"

    /// Reads the attributes `attributes` of the one entry `dn` (base scope, not paged) and
    /// returns what the server sent: each attribute description with its values. Used for
    /// ranged attributes, whose descriptions carry the range (`member;range=1500-2999`).
    func readEntry(_ dn: String, attributes: [String], purpose: String, timeout: Duration) throws -> RangedValueCollector.Part {
        var part: RangedValueCollector.Part = []
        var found = 0
        try pagedSearch(.entry(dn, attributes: attributes, purpose: purpose, timeout: timeout)) { entry in
            found += 1
            part = entry.allStrings()
        }
        guard found == 1 else {
            throw LDAPError(.incomplete, operation: purpose, reason: "the entry read back \(found) times instead of once")
        }
        return part
    }

    /// A whole-subtree paged search (RFC 2696) that is complete or throws: every page is
    /// requested with a critical paged-results control, every result code other than success
    /// is an error, a continuation reference (referral) is an error, and so is a final result
    /// without the paged-results response control. Calls `onEntry` for each entry as it arrives.
    /// - Returns: the number of entries.
    @discardableResult
    func pagedSearch(_ request: SearchRequest, onEntry: (borrowing LDAPEntry) throws -> Void) throws -> Int {
        let attributes = CStringList(request.attributes)
        var cookie: [UInt8] = []
        var total = 0
        var pages = 0
        repeat {
            pages += 1
            let (entries, nextCookie) = try searchPage(
                request, attributes: attributes, cookie: cookie, onEntry: onEntry)
            total += entries
            if !nextCookie.isEmpty && entries == 0 && pages > 10_000 {
                throw LDAPError(.incomplete, operation: request.purpose, reason: "the server kept returning empty pages")
            }
            cookie = nextCookie
        } while !cookie.isEmpty
        return total
    }

    private func searchPage(
        _ request: SearchRequest, attributes: CStringList, cookie: [UInt8],
        onEntry: (borrowing LDAPEntry) throws -> Void
    ) throws -> (entries: Int, cookie: [UInt8]) {
        let ld = rawHandle
        let messageID = try sendSearch(request, attributes: attributes, cookie: cookie)
        var entries = 0
        let (seconds, microseconds) = request.timeout.timevalComponents
        while true {
            var wait = timeval(tv_sec: seconds, tv_usec: microseconds)
            var message: OpaquePointer?
            let type = ldap_result(ld, messageID, LDAP_MSG_ONE, &wait, &message)
            // ldap_result(3): the result "should be freed with ldap_msgfree".
            defer { if let message { ldap_msgfree(message) } }
            switch type {
            case 0:
                ldap_abandon_ext(ld, messageID, nil, nil)
                throw LDAPError(.timeout, operation: request.purpose, code: LDAP_TIMEOUT,
                    reason: "the server sent nothing for longer than directory.timeout (\(request.timeout.configText))")
            case -1:
                throw failure(cldap_result_code(ld), operation: request.purpose)
            case Int32(LDAP_RES_SEARCH_ENTRY):
                entries += 1
                try onEntry(LDAPEntry(handle: ld, message: message!))
            case Int32(LDAP_RES_SEARCH_REFERENCE):
                ldap_abandon_ext(ld, messageID, nil, nil)
                throw LDAPError(.incomplete, operation: request.purpose, code: LDAP_REFERRAL,
                    reason: "the server returned a continuation reference (referral), which is never followed; the read would be incomplete")
            case Int32(LDAP_RES_SEARCH_RESULT):
                let next = try finishPage(message!, purpose: request.purpose, paged: request.paged)
                Heartbeat.process.beat()  // a page read: the watchdog's proof of progress
                return (entries, next)
            default:
                continue  // intermediate responses carry nothing for a search
            }
        }
    }

    private func sendSearch(_ request: SearchRequest, attributes: CStringList, cookie: [UInt8]) throws -> Int32 {
        let ld = rawHandle
        var domainScopeControl: UnsafeMutablePointer<LDAPControl>?
        if request.domainScope {
            // ldap_control_create(3): free with ldap_control_free. The control has no value.
            let code = ldap_control_create(Self.domainScopeOID, 0, nil, 0, &domainScopeControl)
            guard code == LDAP_SUCCESS else { throw failure(code, operation: request.purpose) }
        }
        defer { if let domainScopeControl { ldap_control_free(domainScopeControl) } }
        var showDeletedControl: UnsafeMutablePointer<LDAPControl>?
        if request.showDeleted {
            let code = ldap_create_show_deleted_control(ld, &showDeletedControl)
            guard code == LDAP_SUCCESS else { throw failure(code, operation: request.purpose) }
        }
        defer { if let showDeletedControl { ldap_control_free(showDeletedControl) } }
        var serverControls: [UnsafeMutablePointer<LDAPControl>?] = [domainScopeControl, showDeletedControl].filter { $0 != nil }
        var pageControl: UnsafeMutablePointer<LDAPControl>?
        defer { if let pageControl { ldap_control_free(pageControl) } }
        if request.paged {
            pageControl = try makePageControl(request, cookie: cookie)
            serverControls.append(pageControl)
        }
        serverControls.append(nil)
        var attributePointers = attributes.nullTerminated
        let (seconds, _) = request.timeout.timevalComponents
        var timeLimit = timeval(tv_sec: max(seconds, 1), tv_usec: 0)
        var messageID: Int32 = 0
        let code = ldap_search_ext(
            ld, request.baseDN, request.scope, request.filter, &attributePointers, 0,
            &serverControls, nil, &timeLimit, LDAP_NO_LIMIT, &messageID)
        guard code == LDAP_SUCCESS else { throw failure(code, operation: request.purpose) }
        return messageID
    }

    /// A critical paged-results control asking for the page after `cookie`; the caller frees it
    /// with ldap_control_free (ldap_create_page_control(3)).
    private func makePageControl(_ request: SearchRequest, cookie: [UInt8]) throws -> UnsafeMutablePointer<LDAPControl> {
        let ld = rawHandle
        var pageControl: UnsafeMutablePointer<LDAPControl>?
        var cookieBytes = cookie
        let createCode = cookieBytes.withUnsafeMutableBufferPointer { buffer -> Int32 in
            buffer.baseAddress.map { base in
                base.withMemoryRebound(to: CChar.self, capacity: buffer.count) { pointer in
                    var value = berval(bv_len: ber_len_t(buffer.count), bv_val: pointer)
                    return ldap_create_page_control(ld, ber_int_t(request.pageSize), &value, 1, &pageControl)
                }
            } ?? ldap_create_page_control(ld, ber_int_t(request.pageSize), nil, 1, &pageControl)
        }
        guard createCode == LDAP_SUCCESS, let pageControl else {
            if let pageControl { ldap_control_free(pageControl) }
            throw failure(createCode, operation: request.purpose)
        }
        return pageControl
    }

    /// Checks a page's final result and returns the cookie for the next page (empty when done).
    private func finishPage(_ message: OpaquePointer, purpose: String, paged: Bool) throws -> [UInt8] {
        let ld = rawHandle
        var resultCode: Int32 = LDAP_OTHER
        var errorMessage: UnsafeMutablePointer<CChar>?
        var referrals: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        var controls: UnsafeMutablePointer<UnsafeMutablePointer<LDAPControl>?>?
        let parseCode = ldap_parse_result(ld, message, &resultCode, nil, &errorMessage, &referrals, &controls, 0)
        // ldap_parse_result(3): free these with ldap_memfree, ldap_memvfree, ldap_controls_free.
        defer {
            if let errorMessage { ldap_memfree(errorMessage) }
            if let referrals { ldap_memvfree(UnsafeMutableRawPointer(referrals).assumingMemoryBound(to: UnsafeMutableRawPointer?.self)) }
            if let controls { ldap_controls_free(controls) }
        }
        guard parseCode == LDAP_SUCCESS else { throw failure(parseCode, operation: purpose) }
        guard resultCode == LDAP_SUCCESS else {
            let serverMessage = errorMessage.map { String(cString: $0) }
            throw LDAPErrorClassifier(usesTLS: false, timeout: .zero)
                .error(code: resultCode, operation: purpose, serverMessage: serverMessage)
        }
        guard paged else { return [] }
        guard let response = ldap_control_find(cldap_paged_results_oid(), controls, nil) else {
            throw LDAPError(.incomplete, operation: purpose,
                reason: "the server did not return the paged-results control; the read may be incomplete")
        }
        var count: ber_int_t = 0
        var cookie = berval(bv_len: 0, bv_val: nil)
        let pageCode = ldap_parse_pageresponse_control(ld, response, &count, &cookie)
        // The cookie's bytes are allocated by liblber: free them with ber_memfree (ldap-notes.md).
        defer { if let value = cookie.bv_val { ber_memfree(value) } }
        guard pageCode == LDAP_SUCCESS else { throw failure(pageCode, operation: purpose) }
        guard let value = cookie.bv_val, cookie.bv_len > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: value, count: Int(cookie.bv_len)))
    }
}
