import CLDAP

/// Maps libldap result codes to `LDAPError`s an administrator can act on.
struct LDAPErrorClassifier {
    /// Whether the connection uses LDAPS or StartTLS (a connect error is then likely TLS).
    var usesTLS: Bool
    /// The configured bound, quoted in timeout errors.
    var timeout: Duration
    /// For `ldaps://`: whether a plain TCP connection to the server opens (a TLS failure then).
    var tcpReachable: () -> Bool = { false }

    func error(code: Int32, operation: String, serverMessage: String?) -> LDAPError {
        switch code {
        case LDAP_INVALID_CREDENTIALS:
            return LDAPError(.bind, operation: operation, code: code,
                reason: ActiveDirectoryBindError.explain(serverMessage) ?? "wrong bind DN or password (directory.bind_dn, directory.bind_password_file)",
                serverMessage: serverMessage)
        case LDAP_INAPPROPRIATE_AUTH, LDAP_STRONG_AUTH_REQUIRED, LDAP_CONFIDENTIALITY_REQUIRED:
            return LDAPError(.bind, operation: operation, code: code,
                reason: "the server refuses this kind of bind; use ldaps:// or directory.start_tls", serverMessage: serverMessage)
        case LDAP_TIMEOUT, LDAP_TIMELIMIT_EXCEEDED:
            return LDAPError(.timeout, operation: operation, code: code,
                reason: "no complete answer within directory.timeout (\(timeout.configText))", serverMessage: serverMessage)
        case LDAP_CONNECT_ERROR where usesTLS:
            return LDAPError(.tls, operation: operation, code: code,
                reason: "TLS handshake failed: the server certificate is not trusted (check directory.tls_ca_file) or does not match the host name in directory.url",
                serverMessage: serverMessage)
        case LDAP_SERVER_DOWN where usesTLS && tcpReachable():
            return LDAPError(.tls, operation: operation, code: code,
                reason: "TLS handshake failed: the server answers, but its certificate is not trusted (check directory.tls_ca_file) or does not match the host name in directory.url",
                serverMessage: serverMessage)
        case LDAP_SERVER_DOWN, LDAP_CONNECT_ERROR:
            return LDAPError(.connect, operation: operation, code: code,
                reason: usesTLS
                    ? "cannot reach the directory server, or the TLS handshake failed (check directory.url and directory.tls_ca_file)"
                    : "cannot reach the directory server (check directory.url, the network and the firewall)",
                serverMessage: serverMessage)
        case LDAP_SIZELIMIT_EXCEEDED, LDAP_ADMINLIMIT_EXCEEDED:
            return LDAPError(.incomplete, operation: operation, code: code,
                reason: "the server's size limit cut the read short; give the bind account an unlimited size limit for paged searches",
                serverMessage: serverMessage)
        case LDAP_REFERRAL:
            return LDAPError(.incomplete, operation: operation, code: code,
                reason: "the server answered with a referral, which is never followed; point the base DN at the server that holds it",
                serverMessage: serverMessage)
        case LDAP_NO_SUCH_OBJECT:
            return LDAPError(.search, operation: operation, code: code,
                reason: "the base DN does not exist on the server", serverMessage: serverMessage)
        case LDAP_INSUFFICIENT_ACCESS:
            return LDAPError(.search, operation: operation, code: code,
                reason: "the bind account may not read this part of the directory", serverMessage: serverMessage)
        case LDAP_UNAVAILABLE_CRITICAL_EXTENSION:
            return LDAPError(.search, operation: operation, code: code,
                reason: "the server does not support paged results (RFC 2696)", serverMessage: serverMessage)
        case LDAP_FILTER_ERROR:
            return LDAPError(.settings, operation: operation, code: code,
                reason: "the LDAP filter is not valid", serverMessage: serverMessage)
        default:
            return LDAPError(.search, operation: operation, code: code,
                reason: "the server reported an error", serverMessage: serverMessage)
        }
    }
}

extension Duration {
    /// "30s", "1.5s": how the configuration file writes durations.
    var configText: String {
        let (seconds, attoseconds) = components
        if attoseconds == 0 { return "\(seconds)s" }
        return "\(Double(seconds) + Double(attoseconds) / 1e18)s"
    }
}
