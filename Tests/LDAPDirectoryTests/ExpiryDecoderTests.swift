import Foundation
import Testing
@testable import LDAPDirectory

@Suite("Expiry values: FILETIME, days since 1970, generalizedTime")
struct ExpiryDecoderTests {
    static func date(_ text: String, _ format: ExpiryFormat) -> Date?? {
        if case .success(let date) = ExpiryDecoder.decode(text, format: format) { return .some(date) }
        return .none
    }

    @Test("auto knows accountExpires and shadowExpire by name; any other attribute's values say by their form")
    func auto() {
        #expect(ExpiryFormat.auto.resolved(for: "accountExpires") == .filetime)
        #expect(ExpiryFormat.auto.resolved(for: "SHADOWEXPIRE") == .days)
        #expect(ExpiryFormat.auto.resolved(for: "contractEnd") == .auto)
        #expect(ExpiryFormat.days.resolved(for: "accountExpires") == .days)
        let ticks = (Int64(1_798_675_200) + ExpiryDecoder.filetimeEpochOffset) * 10_000_000
        #expect(Self.date(String(ticks), .auto) == .some(Date(timeIntervalSince1970: 1_798_675_200)))
        #expect(Self.date("20818", .auto) == .some(Date(timeIntervalSince1970: 20_818 * 86_400)))
        #expect(Self.date("20261231000000Z", .auto) == .some(Date(timeIntervalSince1970: 1_798_675_200)))
        #expect(Self.date("-1", .auto) == .some(nil))
        #expect(Self.date("0", .auto) == nil)
        #expect(Self.date("next week", .auto) == nil)
    }

    @Test("FILETIME: 100-ns ticks since 1601; 0 and the largest value mean never")
    func filetime() {
        // 2026-12-31T00:00:00Z = 1_798_675_200 s after 1970.
        let ticks = (Int64(1_798_675_200) + ExpiryDecoder.filetimeEpochOffset) * 10_000_000
        #expect(Self.date(String(ticks), .filetime) == .some(Date(timeIntervalSince1970: 1_798_675_200)))
        #expect(Self.date("0", .filetime) == .some(nil))
        #expect(Self.date("9223372036854775807", .filetime) == .some(nil))
        #expect(Self.date("-5", .filetime) == nil)
        #expect(Self.date("soon", .filetime) == nil)
    }

    @Test("days since 1970: -1 means never; 0 is ambiguous and refused")
    func days() {
        #expect(Self.date("20818", .days) == .some(Date(timeIntervalSince1970: 20_818 * 86_400)))
        #expect(Self.date("-1", .days) == .some(nil))
        #expect(Self.date("0", .days) == nil)
        #expect(Self.date("1.5", .days) == nil)
    }

    @Test("generalizedTime with optional minutes, seconds, fractions and offsets")
    func generalized() {
        let end = Date(timeIntervalSince1970: 1_798_761_599)  // 2026-12-31T23:59:59Z
        #expect(Self.date("20261231235959Z", .generalizedTime) == .some(end))
        #expect(Self.date("20270101005959+0100", .generalizedTime) == .some(end))
        #expect(Self.date("2026123123Z", .generalizedTime) == .some(Date(timeIntervalSince1970: 1_798_758_000)))
        #expect(Self.date("20261231235959.5Z", .generalizedTime) == .some(end.addingTimeInterval(0.5)))
        for bad in ["20261231", "2026-12-31T23:59:59Z", "20261331235959Z", "20261231235959", "20261231235959Zx", ""] {
            #expect(Self.date(bad, .generalizedTime) == nil, "\(bad)")
        }
    }
}
