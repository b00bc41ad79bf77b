import CLDAP
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Tells "nothing answers at that address" apart from "it answers, but TLS failed" after libldap
/// reports `LDAP_SERVER_DOWN` for an `ldaps://` URL (it uses one code for both).
enum TCPProbe {
    /// True when a TCP connection to the URL's host and port opens within `timeout`.
    static func canConnect(url: String, timeout: Duration) -> Bool {
        var description: UnsafeMutablePointer<LDAPURLDesc>?
        guard ldap_url_parse(url, &description) == LDAP_SUCCESS, let description else { return false }
        // ldap_url(3): free the description with ldap_free_urldesc.
        defer { ldap_free_urldesc(description) }
        guard let rawHost = description.pointee.lud_host else { return false }
        let host = String(cString: rawHost)
        let port = description.pointee.lud_port == 0 ? 636 : Int(description.pointee.lud_port)
        return connect(host: host.isEmpty ? "127.0.0.1" : host, port: port, timeout: timeout)
    }

    private static func connect(host: String, port: Int, timeout: Duration) -> Bool {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var addresses: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &addresses) == 0, let addresses else { return false }
        // getaddrinfo(3): the list is freed with freeaddrinfo.
        defer { freeaddrinfo(addresses) }
        var candidate: UnsafeMutablePointer<addrinfo>? = addresses
        let milliseconds = Int32(clamping: timeout.components.seconds * 1000 + 1)
        while let address = candidate {
            candidate = address.pointee.ai_next
            let descriptor = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
            guard descriptor >= 0 else { continue }
            defer { close(descriptor) }
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
            if Glibc.connect(descriptor, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 { return true }
            guard errno == EINPROGRESS else { continue }
            var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
            guard poll(&poller, 1, milliseconds) == 1 else { continue }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            if getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &length) == 0, error == 0 { return true }
        }
        return false
    }
}
