import Foundation
import Glibc
import Synchronization

/// A tiny HTTP/1.1 server on 127.0.0.1 for what the emulator cannot do: it answers the token
/// request, resets the connection (TCP RST) after reading a `POST …/users` — the request has
/// arrived and taken effect, the answer is lost — and answers look-ups by external id with the
/// user once a POST was seen. Every request line is recorded. One thread, bounded by `stop()`.
final class ResettingServer: Sendable {
    let port: Int
    private let listener: Int32
    private let state = Mutex<(lines: [String], created: Bool, running: Bool)>(([], false, true))

    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic -> Int32 in
                guard bind(listener, generic, length) == 0, listen(listener, 16) == 0 else { return -1 }
                return getsockname(listener, generic, &length)
            }
        }
        guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    /// The request lines seen, e.g. "POST /api/partners/v2.0/org/…/users".
    var lines: [String] { state.withLock { $0.lines } }

    func stop() {
        state.withLock { $0.running = false }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func serve() {
        while state.withLock({ $0.running }) {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            handle(connection)
        }
    }

    private func handle(_ connection: Int32) {
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let request = readRequest(connection) else {
            close(connection)
            return
        }
        let line = request.split(separator: "\r\n", maxSplits: 1).first.map { String($0.split(separator: " ").prefix(2).joined(separator: " ")) } ?? ""
        let created = state.withLock { state -> Bool in
            state.lines.append(line)
            return state.created
        }
        if line.hasPrefix("POST") && line.hasSuffix("/users") {
            state.withLock { $0.created = true }
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)  // close with RST: "connection reset by peer"
            setsockopt(connection, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
            close(connection)
            return
        }
        let body: String
        let status: String
        if line.hasPrefix("POST /oauth2/token") {
            (status, body) = ("200 OK", #"{"access_token":"t","token_type":"Bearer","expires_in":3600}"#)
        } else if line.contains("/by-ext-id/"), created {
            (status, body) = ("200 OK", #"{"id":"u-1","role":"staff","email":"ext-7@example.com","external_user_id":"ext-7","first_name":null,"last_name":null}"#)
        } else {
            (status, body) = ("404 Not Found", #"{"detail":"Not Found"}"#)
        }
        let answer = "HTTP/1.1 \(status)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        _ = answer.withCString { send(connection, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        close(connection)
    }

    /// Headers and a Content-Length body, bounded at 64 KiB.
    private func readRequest(_ connection: Int32) -> String? {
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while data.count < 65_536 {
            let count = recv(connection, &buffer, buffer.count, 0)
            guard count > 0 else { return nil }
            data += buffer[0..<count]
            let text = String(decoding: data, as: UTF8.self)
            guard let end = text.range(of: "\r\n\r\n") else { continue }
            let length = text[..<end.lowerBound].split(separator: "\r\n")
                .first { $0.lowercased().hasPrefix("content-length:") }
                .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
            if text.utf8.distance(from: end.upperBound, to: text.endIndex) >= length { return text }
        }
        return nil
    }
}
