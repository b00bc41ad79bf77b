/// The directory's stable identifier for a person, sent to Podero as `external_user_id`.
package struct ExternalID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The identifier as text (a canonical lowercase UUID for binary `objectGUID` values).
    package let rawValue: String
    /// `rawValue.hashValue`, computed once: planning a large organisation looks every id up
    /// in several indexes.
    private let hash: Int

    /// Wraps a non-empty identifier.
    package init(_ rawValue: String) {
        self.rawValue = rawValue
        hash = rawValue.hashValue
    }

    package static func == (lhs: ExternalID, rhs: ExternalID) -> Bool {
        lhs.hash == rhs.hash && lhs.rawValue == rhs.rawValue
    }

    package func hash(into hasher: inout Hasher) { hasher.combine(hash) }

    package var description: String { rawValue }

    /// Byte order of the UTF-8 text: deterministic, locale-free and fast.
    package static func < (lhs: ExternalID, rhs: ExternalID) -> Bool {
        lhs.rawValue.utf8.lexicographicallyPrecedes(rhs.rawValue.utf8)
    }
}
