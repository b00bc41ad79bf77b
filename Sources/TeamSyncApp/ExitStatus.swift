/// The exit statuses of CONTRACT.md.
package enum ExitStatus: Int32, Sendable {
    case success = 0
    case fatal = 1
    case drift = 2
    case partialFailure = 3
    case safetyRefused = 4
    case usage = 64
    case configuration = 78
}
