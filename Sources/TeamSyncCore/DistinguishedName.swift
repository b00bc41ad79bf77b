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

extension DistinguishedName {
    /// The RDNs, leaf first ("cn=a", "ou=groups", "dc=example", "dc=com").
    package var components: [Substring] {
        var parts: [Substring] = []
        var escaped = false
        var start = normalized.startIndex
        for index in normalized.indices {
            let character = normalized[index]
            if escaped { escaped = false; continue }
            if character == "\\" { escaped = true; continue }
            if character == "," {
                parts.append(normalized[start..<index])
                start = normalized.index(after: index)
            }
        }
        parts.append(normalized[start...])
        return parts
    }

    /// True when this name is `base` or lies beneath it (a subtree search of `base` finds it).
    package func isWithin(_ base: DistinguishedName) -> Bool {
        let mine = components
        let theirs = base.components
        guard theirs.count <= mine.count else { return false }
        return zip(mine.suffix(theirs.count), theirs).allSatisfy { $0 == $1 }
    }

    /// The deepest name that both `self` and `other` lie within (the root DSE's "" when none).
    package func commonAncestor(with other: DistinguishedName) -> String {
        let mine = components
        let theirs = other.components
        var shared: [Substring] = []
        for (left, right) in zip(mine.reversed(), theirs.reversed()) {
            guard left == right else { break }
            shared.insert(left, at: 0)
        }
        return shared.joined(separator: ",")
    }
}
