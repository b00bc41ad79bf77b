import CLDAP
import Foundation
import TeamSyncCore

/// The one owner of a libldap handle (`LDAP *`): opened in `init`, unbound exactly once by
/// `close()`. Not `Sendable`: it lives and dies on the queue of the read that made it.
final class LDAPConnection {
    private var handle: OpaquePointer?
    private let settings: LDAPSettings
    private let usesTLS: Bool

    /// Initialises the handle and sets every option before the first network operation.
    /// ldap_initialize(3): "does not actually open a connection"; that happens on first use.
    init(settings: LDAPSettings) throws {
        self.settings = settings
        let lowerURL = settings.url.lowercased()
        guard lowerURL.hasPrefix("ldap://") || lowerURL.hasPrefix("ldaps://") || lowerURL.hasPrefix("ldapi://")
        else {
            throw LDAPError(.settings, operation: "connect", reason: "directory.url must start with ldap://, ldaps:// or ldapi://")
        }
        usesTLS = lowerURL.hasPrefix("ldaps://") || settings.startTLS
        var newHandle: OpaquePointer?
        let code = ldap_initialize(&newHandle, settings.url)
        guard code == LDAP_SUCCESS, let newHandle else {
            throw LDAPError(.settings, operation: "connect", code: code, reason: "directory.url is not a valid LDAP URL")
        }
        handle = newHandle
        do {
            try configure(newHandle)
        } catch {
            close()
            throw error
        }
    }

    /// A connection ready for searches: opened, upgraded with StartTLS when configured, bound.
    /// Closed again when any step fails.
    static func bound(settings: LDAPSettings) throws -> LDAPConnection {
        let connection = try LDAPConnection(settings: settings)
        do {
            if settings.startTLS { try connection.startTLS() }
            try connection.bind()
            return connection
        } catch {
            connection.close()
            throw error
        }
    }

    deinit {
        // The owner is expected to call close(); this keeps a thrown-away handle from leaking.
        if handle != nil { close() }
    }

    /// Unbinds and frees the handle. ldap_unbind_ext(3): "the ld structure is freed" even on error.
    func close() {
        guard let handle else { return }
        ldap_unbind_ext_s(handle, nil, nil)
        self.handle = nil
    }

    /// The open handle, for the search extension.
    var rawHandle: OpaquePointer {
        guard let handle else { preconditionFailure("LDAPConnection used after close()") }
        return handle
    }

    /// Upgrades the connection with StartTLS (RFC 4513).
    func startTLS() throws {
        let code = ldap_start_tls_s(rawHandle, nil, nil)
        guard code == LDAP_SUCCESS else { throw failure(code, operation: "StartTLS") }
    }

    /// Simple bind with the configured DN and password (LDAPv3); anonymous when no DN is set.
    func bind() throws {
        guard let bindDN = settings.bindDN else { return }
        // The password's own buffer goes to libldap as it is: no copy of it is made here.
        let password = settings.bindPassword ?? Secret("")
        let code = password.withBytes { bytes -> Int32 in
            let pointer = UnsafeMutablePointer(mutating: bytes.bindMemory(to: CChar.self).baseAddress)
            var credentials = berval(bv_len: ber_len_t(bytes.count), bv_val: bytes.count == 0 ? nil : pointer)
            // A nil mechanism is LDAP_SASL_SIMPLE: a simple bind (ldap_bind(3)).
            return ldap_sasl_bind_s(rawHandle, bindDN, nil, &credentials, nil, nil, nil)
        }
        guard code == LDAP_SUCCESS else { throw failure(code, operation: "bind") }
    }

    /// Turns a libldap result code into an `LDAPError` in plain words.
    func failure(_ code: Int32, operation: String) -> LDAPError {
        let message = diagnosticMessage()
        let url = settings.url
        let timeout = settings.timeout
        return LDAPErrorClassifier(usesTLS: usesTLS, timeout: timeout) {
            url.lowercased().hasPrefix("ldaps://") && TCPProbe.canConnect(url: url, timeout: timeout)
        }.error(code: code, operation: operation, serverMessage: message)
    }

    /// The handle's diagnostic message; ldap_get_option(3): free it with ldap_memfree.
    func diagnosticMessage() -> String? {
        guard let handle, let message = cldap_copy_diagnostic_message(handle) else { return nil }
        defer { ldap_memfree(message) }
        let text = String(cString: message)
        // libldap fills in this placeholder when it has nothing to say.
        return text == "(unknown error code)" ? nil : text
    }

    private func configure(_ handle: OpaquePointer) throws {
        let (seconds, microseconds) = settings.timeout.timevalComponents
        try check(cldap_set_int_option(handle, LDAP_OPT_PROTOCOL_VERSION, LDAP_VERSION3), "protocol version")
        // Referrals are never chased: following one could leave the configured server.
        try check(cldap_set_flag_option(handle, LDAP_OPT_REFERRALS, 0), "referrals")
        try check(cldap_set_timeout_option(handle, LDAP_OPT_NETWORK_TIMEOUT, seconds, microseconds), "network timeout")
        try check(cldap_set_timeout_option(handle, LDAP_OPT_TIMEOUT, seconds, microseconds), "operation timeout")
        guard usesTLS else { return }
        if let caFile = settings.tlsCAFile {
            guard FileManager.default.isReadableFile(atPath: caFile) else {
                throw LDAPError(.settings, operation: "TLS setup", reason: "directory.tls_ca_file cannot be read")
            }
            try check(cldap_set_string_option(handle, LDAP_OPT_X_TLS_CACERTFILE, caFile), "CA file")
        }
        let requirement = settings.tlsVerify ? LDAP_OPT_X_TLS_DEMAND : LDAP_OPT_X_TLS_NEVER
        try check(cldap_set_int_option(handle, LDAP_OPT_X_TLS_REQUIRE_CERT, requirement), "certificate check")
        // Per-handle TLS options take effect only in a new TLS context (ldap-notes.md).
        try check(cldap_set_int_option(handle, LDAP_OPT_X_TLS_NEWCTX, 0), "TLS context")
    }

    private func check(_ code: Int32, _ option: String) throws {
        guard code == LDAP_OPT_SUCCESS else {
            throw LDAPError(.settings, operation: "setup", code: code, reason: "libldap refused the \(option) option")
        }
    }
}

extension Duration {
    /// The duration as `struct timeval` fields, at least one millisecond.
    var timevalComponents: (Int, Int) {
        let (seconds, attoseconds) = components
        let microseconds = Int(attoseconds / 1_000_000_000_000)
        if seconds == 0 && microseconds < 1000 { return (0, 1000) }
        return (Int(seconds), microseconds)
    }
}
