import Foundation
import TeamSyncCore

/// `directory.users.expires_format`: how the expiry attribute writes a date.
package enum ExpiryFormat: String, Sendable, CaseIterable {
    /// Known by the attribute's name: `accountExpires` is a FILETIME, `shadowExpire` days since
    /// 1970. Any other attribute's syntax in the server's schema settles it where it can
    /// (Generalized Time; AD's Large Integer is a FILETIME: `SchemaSyntax`); otherwise each value
    /// says by its form: a generalizedTime ends in `Z` or an offset; an integer of 12 digits or
    /// more is a FILETIME (any date after 1601-01-02), a shorter one days since 1970.
    case auto
    /// Active Directory's FILETIME: 100-ns intervals since 1601-01-01 UTC; 0 and
    /// 0x7FFFFFFFFFFFFFFF mean never.
    case filetime
    /// Days since 1970-01-01 (`shadowExpire`); -1 means never, as shadow(5) has it.
    case days
    /// LDAP generalizedTime (`20261231235959Z`, fractions and offsets allowed).
    case generalizedTime = "generalized_time"

    /// The format `auto` means for `attribute`.
    package func resolved(for attribute: String) -> ExpiryFormat {
        guard self == .auto else { return self }
        switch attribute.lowercased() {
        case "accountexpires": return .filetime
        case "shadowexpire": return .days
        default: return .auto
        }
    }
}

/// Decodes one expiry value. `.success(nil)` means "never expires".
package enum ExpiryDecoder {
    package enum Failure: Error, Equatable {
        case invalid(String)
    }

    /// The largest FILETIME, AD's "never".
    static let filetimeNever: Int64 = 0x7FFF_FFFF_FFFF_FFFF
    /// Seconds between 1601-01-01 and 1970-01-01.
    static let filetimeEpochOffset: Int64 = 11_644_473_600

    package static func decode(_ text: String, format: ExpiryFormat) -> Result<Date?, Failure> {
        let value = text.trimmingCharacters(in: .whitespaces)
        switch format {
        case .auto:
            let digits = value.hasPrefix("-") ? value.dropFirst() : Substring(value)
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return decode(value, format: .generalizedTime) }
            if digits.count >= 12 { return decode(value, format: .filetime) }
            return decode(value, format: .days).mapError { _ in
                .invalid("is an integer that is neither a FILETIME nor a positive number of days since 1970 (-1: never); set directory.users.expires_format")
            }
        case .generalizedTime:
            guard let date = generalizedTime(value) else { return .failure(.invalid("is not a generalizedTime (e.g. 20261231235959Z)")) }
            return .success(date)
        case .filetime:
            guard let ticks = Int64(value), ticks >= 0 else { return .failure(.invalid("is not a FILETIME (a non-negative integer)")) }
            if ticks == 0 || ticks == filetimeNever { return .success(nil) }
            let seconds = ticks / 10_000_000 - filetimeEpochOffset
            return .success(Date(timeIntervalSince1970: TimeInterval(seconds)))
        case .days:
            guard let days = Int64(value), days >= -1, days < 3_000_000 else {
                return .failure(.invalid("is not a number of days since 1970-01-01"))
            }
            if days == -1 { return .success(nil) }
            if days == 0 { return .failure(.invalid("is 0, which shadow(5) reads as either never or 1970-01-01; use -1 for never")) }
            // shadow(5): the account expires at the start of that day; Linux treats the day as
            // the last usable one only in its own tools, so the start of the day is the safe side.
            return .success(Date(timeIntervalSince1970: TimeInterval(days) * 86_400))
        }
    }

    /// `YYYYMMDDHH[MM[SS]][(.|,)fraction](Z|±HHMM)` (RFC 4517 3.3.13).
    static func generalizedTime(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        var index = 0
        func digits(_ count: Int) -> Int? {
            guard index + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<index + count] {
                guard (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            index += count
            return value
        }
        guard let year = digits(4), let month = digits(2), let day = digits(2), let hour = digits(2),
              (1...12).contains(month), (1...31).contains(day), hour < 24 else { return nil }
        var minute = 0, second = 0
        if index < bytes.count, (0x30...0x39).contains(bytes[index]) {
            guard let m = digits(2), m < 60 else { return nil }
            minute = m
            if index < bytes.count, (0x30...0x39).contains(bytes[index]) {
                guard let s = digits(2), s <= 60 else { return nil }
                second = min(s, 59)
            }
        }
        var fraction = 0.0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: ",") {
            index += 1
            var scale = 0.1
            let start = index
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) {
                fraction += Double(bytes[index] - 0x30) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        guard index < bytes.count else { return nil }
        var offset = 0
        switch bytes[index] {
        case UInt8(ascii: "Z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            guard let h = digits(2), h < 24 else { return nil }
            var m = 0
            if index < bytes.count { guard let mm = digits(2), mm < 60 else { return nil }; m = mm }
            offset = sign * (h * 3600 + m * 60)
        default:
            return nil
        }
        guard index == bytes.count else { return nil }
        let days = RFC3339.daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: TimeInterval(seconds) + fraction)
    }
}
