/// An LDAP distinguished name, compared the LDAP way: attribute types and values in lower case,
/// escapes resolved, insignificant spaces dropped, multi-valued RDNs sorted (RFC 4514, RFC 4518).
///
/// `UID=Van der Berg\2C Jan , OU=People,dc=example,dc=com` and
/// `uid=van der berg\, jan,ou=people,dc=example,dc=com` are the same name.
package struct DistinguishedName: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The canonical text, suitable as a dictionary key and for display.
    package let normalized: String
    /// `normalized.hashValue`, computed once: a read of 100,000 people hashes each DN several
    /// times (sets, group resolution), and unequal names then rarely need a string comparison.
    private let hash: Int

    /// Parses and normalises `text`; nil when it is not a DN.
    package init?(_ text: String) {
        guard let normalized = DistinguishedNameParser.normalize(Array(text.utf8)) else { return nil }
        self.normalized = normalized
        hash = normalized.hashValue
    }

    /// Parses and normalises raw UTF-8 bytes (as libldap returns them).
    package init?(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        guard let normalized = DistinguishedNameParser.normalize(Array(bytes)) else { return nil }
        self.normalized = normalized
        hash = normalized.hashValue
    }

    package static func == (lhs: DistinguishedName, rhs: DistinguishedName) -> Bool {
        lhs.hash == rhs.hash && lhs.normalized == rhs.normalized
    }

    package func hash(into hasher: inout Hasher) { hasher.combine(hash) }

    package var description: String { normalized }

    /// The first RDN ("cn=ops-leads"), a short name for reasons and reports.
    package var leaf: String {
        var escaped = false
        for index in normalized.indices {
            let character = normalized[index]
            if escaped { escaped = false; continue }
            if character == "\\" { escaped = true; continue }
            if character == "," { return String(normalized[..<index]) }
        }
        return normalized
    }

    package static func < (lhs: DistinguishedName, rhs: DistinguishedName) -> Bool {
        lhs.normalized < rhs.normalized
    }
}
