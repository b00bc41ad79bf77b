/// Why the journal cannot be used. Descriptions name the file, the row and the problem, never
/// personal data beyond an external id.
package struct JournalError: Error, Sendable, CustomStringConvertible {
    package enum Kind: Sendable, Equatable {
        case cannotOpen
        case leaseHeld
        case readOnly
        /// A row holds a value the journal does not know.
        case corrupt
    }

    package var kind: Kind
    package var message: String

    package init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    package var description: String { message }
}
