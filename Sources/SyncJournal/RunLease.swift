import Foundation

/// Identifies a process beyond its PID (which the kernel reuses): PID plus its start time.
enum ProcessIdentity {
    /// This process's start time, from /proc/self/stat (field 22, clock ticks since boot).
    static var currentStart: String { start(of: getpid()) ?? "unknown" }

    /// The start time of `pid`, or nil when no such process exists.
    static func start(of pid: Int32) -> String? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after "(comm)": state is field 3, so starttime (22) is index 19 here.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? String(fields[19]) : nil
    }

    /// This machine's name, as the lease records it.
    static var host: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// This boot of the kernel (a PID of an earlier boot is dead, whatever runs under it now).
    static var bootID: String {
        (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown"
    }

    /// What a lease row says about its holder, seen from this process.
    enum Holder: Equatable {
        /// A process of this host and boot that is still running.
        case alive
        /// Dead: gone from this host, or of an earlier boot.
        case dead
        /// Another host: its processes cannot be seen from here.
        case otherHost(String)
    }

    /// Judges a lease row: another host is never judged dead from here.
    static func holder(pid: Int32, start: String, host: String?, bootID: String?) -> Holder {
        if let host, host != Self.host { return .otherHost(host) }
        if let bootID, bootID != Self.bootID { return .dead }
        return isAlive(pid: pid, start: start) ? .alive : .dead
    }

    /// True when the process that recorded (`pid`, `start`) is still running.
    static func isAlive(pid: Int32, start: String) -> Bool {
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        guard let current = Self.start(of: pid) else { return true }  // no /proc: trust kill(2)
        return current == start || start == "unknown"
    }
}
