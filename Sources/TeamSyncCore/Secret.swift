/// A secret (bind password, client secret) whose description never shows its value, so it
/// cannot leak through string interpolation into a log line or an error message.
package struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The secret itself. Read it only at the call that needs it.
    package let exposedValue: String

    /// Wraps a secret value.
    package init(_ value: String) {
        self.exposedValue = value
    }

    package var description: String { "<redacted>" }
    package var debugDescription: String { "<redacted>" }
}
