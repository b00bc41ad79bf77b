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

    /// True when the process that recorded (`pid`, `start`) is still running.
    static func isAlive(pid: Int32, start: String) -> Bool {
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        guard let current = Self.start(of: pid) else { return true }  // no /proc: trust kill(2)
        return current == start || start == "unknown"
    }
}
