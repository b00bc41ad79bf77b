/// Everything one complete directory read produced. A snapshot exists only for a complete read:
/// a truncated or failed read is an error, never a shorter snapshot.
package struct DirectorySnapshot: Sendable {
    /// Valid people, in the order the directory returned them (the plan sorts its actions).
    package var people: [DirectoryPerson]
    /// Entries that matched the users filter but were skipped as invalid. Their external ids
    /// (when known) must never be treated as departed.
    package var skipped: [SkippedEntry]
    /// Everything worth telling an administrator: skipped entries, dangling members, cycles.
    package var diagnostics: [Diagnostic]
    /// How many entries the users filter matched, valid or not (input of the shrink guard).
    package var matchedCount: Int

    /// Creates a snapshot.
    package init(
        people: [DirectoryPerson], skipped: [SkippedEntry] = [], diagnostics: [Diagnostic] = [],
        matchedCount: Int? = nil
    ) {
        self.people = people
        self.skipped = skipped
        self.diagnostics = diagnostics
        self.matchedCount = matchedCount ?? people.count + skipped.count
    }
}

/// A directory entry left out of the snapshot because it is unusable.
package struct SkippedEntry: Hashable, Sendable {
    /// The entry.
    package var dn: DistinguishedName
    /// Its external id, when it had a usable one.
    package var externalID: ExternalID?
    /// Its e-mail, when it had a usable one.
    package var email: EmailAddress?
    /// Why it was skipped.
    package var reason: Diagnostic.Code

    /// Creates a skipped entry.
    package init(dn: DistinguishedName, externalID: ExternalID?, email: EmailAddress?, reason: Diagnostic.Code) {
        self.dn = dn
        self.externalID = externalID
        self.email = email
        self.reason = reason
    }
}
