/// An e-mail address as the directory gives it, compared case-insensitively in ASCII only.
package struct EmailAddress: Hashable, Sendable, CustomStringConvertible {
    /// The address as written in the directory (trimmed).
    package let value: String
    /// The comparison key: lower case in ASCII only (`String.caseFoldedKey()`).
    package let key: String

    /// Validates the shape `local@domain.tld` without spaces; returns nil when malformed.
    package init?(_ raw: String) {
        let trimmed = raw.trimmingASCIIWhitespace()
        guard EmailAddress.isWellFormed(trimmed) else { return nil }
        self.value = trimmed
        self.key = trimmed.caseFoldedKey()
    }

    package var description: String { value }

    /// The domain (after the last "@"), as a comparison key (`String.caseFoldedKey()`).
    package var domainKey: String {
        guard let at = value.utf8.lastIndex(of: UInt8(ascii: "@")) else { return "" }
        return String(value[value.utf8.index(after: at)...]).caseFoldedKey()
    }

    package static func == (lhs: EmailAddress, rhs: EmailAddress) -> Bool { lhs.key == rhs.key }
    package func hash(into hasher: inout Hasher) { hasher.combine(key) }

    /// `local@domain.tld`: one "@", a local part of 1–64 bytes, a domain of two or more
    /// non-empty labels that neither start nor end with "-", no spaces or control characters.
    private static func isWellFormed(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { isWellFormed(bytes: $0) }
    }

    private static func isWellFormed(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !bytes.isEmpty, bytes.count <= 254 else { return false }
        var at: Int?
        for (index, byte) in bytes.enumerated() {
            if byte <= 0x20 || byte == 0x7F || byte == UInt8(ascii: ",") || byte == UInt8(ascii: "<")
                || byte == UInt8(ascii: ">") || byte == UInt8(ascii: ";")
            {
                return false
            }
            if byte == UInt8(ascii: "@") {
                if at != nil { return false }
                at = index
            }
        }
        guard let at, at > 0, at <= 64, at < bytes.count - 1 else { return false }
        var labels = 0
        var labelStart = at + 1
        for index in (at + 1)...bytes.count {
            guard index == bytes.count || bytes[index] == UInt8(ascii: ".") else { continue }
            guard index > labelStart, bytes[labelStart] != UInt8(ascii: "-"), bytes[index - 1] != UInt8(ascii: "-")
            else { return false }
            labels += 1
            labelStart = index + 1
        }
        return labels >= 2
    }
}

extension String {
    /// The string without leading and trailing ASCII spaces, tabs and line breaks.
    package func trimmingASCIIWhitespace() -> String {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        // Most values have nothing to trim: answer without copying.
        guard let firstByte = utf8.first, let lastByte = utf8.last else { return self }
        if !isSpace(firstByte) && !isSpace(lastByte) { return self }
        let bytes = Array(utf8)
        guard let first = bytes.firstIndex(where: { !isSpace($0) }),
            let last = bytes.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }

    /// The comparison key of an e-mail address: case-insensitive in ASCII only. A–Z become a–z
    /// and nothing else changes case, so no Unicode folding can make two addresses one (the
    /// Kelvin sign U+212A is not a "k"). A key with any non-ASCII byte starts with a space (which
    /// no valid address has) and spells those bytes as %XX: keys are then plain ASCII, and
    /// Swift's canonical equivalence (U+212A ≡ "K", U+1FEF ≡ "`") can never make a non-ASCII
    /// address equal an ASCII one. ASCII text without upper case is returned without a copy.
    package func caseFoldedKey() -> String {
        var text = self
        return text.withUTF8 { bytes -> String in
            var ascii = true
            var upper = false
            for byte in bytes {
                if byte >= 0x80 { ascii = false } else if byte >= 0x41 && byte <= 0x5A { upper = true }
            }
            if ascii && !upper { return self }
            var key: [UInt8] = ascii ? [] : [0x20]
            key.reserveCapacity(bytes.count + (ascii ? 0 : 16))
            let hex = Array("0123456789ABCDEF".utf8)
            for byte in bytes {
                if byte >= 0x80 {
                    key += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
                } else {
                    key.append(byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte)
                }
            }
            return String(decoding: key, as: UTF8.self)
        }
    }
}
