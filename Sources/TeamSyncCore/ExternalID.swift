/// The directory's stable identifier for a person, sent to Podero as `external_user_id`.
package struct ExternalID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The identifier as text (a canonical lowercase UUID for binary `objectGUID` values).
    package let rawValue: String

    /// Wraps a non-empty identifier.
    package init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    package var description: String { rawValue }

    /// Byte order of the UTF-8 text: deterministic, locale-free and fast.
    package static func < (lhs: ExternalID, rhs: ExternalID) -> Bool {
        lhs.rawValue.utf8.lexicographicallyPrecedes(rhs.rawValue.utf8)
    }
}
