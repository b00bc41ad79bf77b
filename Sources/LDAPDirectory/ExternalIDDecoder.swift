import TeamSyncCore

/// Turns the raw value of the external-id attribute into an `ExternalID`.
enum ExternalIDDecoder {
    /// Attributes whose values are binary GUIDs rather than text.
    static let binaryGUIDAttributes: Set<String> = ["objectguid", "msds-consistencyguid"]

    /// True when `attribute` holds binary GUIDs.
    static func isBinaryGUID(_ attribute: String) -> Bool {
        binaryGUIDAttributes.contains(attribute.lowercased())
    }

    /// The canonical lowercase UUID text of a 16-byte Microsoft GUID, as Active Directory tools
    /// show it: the first three fields are little-endian, the last two are bytes in order.
    /// `objectGUID` bytes `10 32 54 76 98 ba dc fe 01 23 45 67 89 ab cd ef` →
    /// `76543210-ba98-fedc-0123-456789abcdef`.
    static func guidString(_ bytes: UnsafeRawBufferPointer) -> String? {
        guard bytes.count == 16 else { return nil }
        let order = [3, 2, 1, 0, -1, 5, 4, -1, 7, 6, -1, 8, 9, -1, 10, 11, 12, 13, 14, 15]
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(36)
        for index in order {
            if index < 0 {
                text.append(UInt8(ascii: "-"))
            } else {
                text.append(digits[Int(bytes[index] >> 4)])
                text.append(digits[Int(bytes[index] & 0x0F)])
            }
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// A text id: valid UTF-8, trimmed, not empty, no control characters.
    static func textID(_ bytes: UnsafeRawBufferPointer) -> String? {
        // Fast path: printable ASCII without surrounding spaces, as entryUUID always is.
        if let first = bytes.first, let last = bytes.last, first != 0x20, last != 0x20, bytes.count <= 255,
            bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F })
        {
            return String(decoding: bytes, as: UTF8.self)
        }
        guard let text = String(validating: bytes.bindMemory(to: UInt8.self), as: UTF8.self) else { return nil }
        let trimmed = text.trimmingASCIIWhitespace()
        guard !trimmed.isEmpty, trimmed.utf8.count <= 255,
            !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { return nil }
        return trimmed
    }
}

extension ExternalIDDecoder {
    /// The 16 bytes of a GUID from its text (the inverse of `guidString`), for a filter.
    static func guidBytes(_ text: String) -> [UInt8]? {
        let hex = Array(text.lowercased().utf8.filter { $0 != UInt8(ascii: "-") })
        guard hex.count == 32 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            default: nil
            }
        }
        var ordered: [UInt8] = []
        for index in stride(from: 0, to: 32, by: 2) {
            guard let high = nibble(hex[index]), let low = nibble(hex[index + 1]) else { return nil }
            ordered.append(high << 4 | low)
        }
        // Text order → wire order: the first three fields are little-endian.
        return [ordered[3], ordered[2], ordered[1], ordered[0], ordered[5], ordered[4], ordered[7], ordered[6]] + ordered[8...]
    }
}
