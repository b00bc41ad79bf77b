import CPosixExtras
import Foundation

/// Keeps the secrets this process holds out of core dumps and out of other processes of the
/// same user: no core file (RLIMIT_CORE 0) and not dumpable (no ptrace attach, /proc/PID/mem
/// and /proc/PID/environ are root's). Called first thing by every command (issue 15 #12).
package enum ProcessHardening {
    package static func apply() {
        var none = rlimit(rlim_cur: 0, rlim_max: 0)
        _ = setrlimit(Int32(RLIMIT_CORE.rawValue), &none)
        _ = posix_extras_set_dumpable(0)
    }

    /// Whether the process may dump core: false after `apply()`.
    package static var isDumpable: Bool {
        posix_extras_get_dumpable() != 0
    }
}
