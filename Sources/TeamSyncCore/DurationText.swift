/// Durations as the configuration file and the command line write them: `250ms`, `30s`, `15m`,
/// `24h`, `7d`, or a bare `0`.
package enum DurationText {
    /// Parses `text`; nil when it is not a non-negative whole number with a known unit.
    package static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingASCIIWhitespace()
        if trimmed == "0" { return .zero }
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 12, let value = Int64(digits) else { return nil }
        switch trimmed.dropFirst(digits.count) {
        case "ms": return .milliseconds(value)
        case "s": return .seconds(value)
        case "m": return .seconds(value * 60)
        case "h": return .seconds(value * 3_600)
        case "d": return .seconds(value * 86_400)
        default: return nil
        }
    }

    /// The shortest text that `parse` reads back to the same duration.
    package static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if attoseconds != 0 || seconds == 0 && attoseconds != 0 {
            return "\(seconds * 1000 + attoseconds / 1_000_000_000_000_000)ms"
        }
        for (unit, size) in [("d", Int64(86_400)), ("h", 3_600), ("m", 60)] where seconds != 0 && seconds % size == 0 {
            return "\(seconds / size)\(unit)"
        }
        return "\(seconds)s"
    }
}
