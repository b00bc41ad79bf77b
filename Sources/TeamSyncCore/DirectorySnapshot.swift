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
    /// The groups read, with their members, when this side resolved nesting itself
    /// (`membership: expand`): the start of a watch's replica.
    package var groups: GroupGraph?

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

/// A person left alone: a directory entry that is unusable, or a desired person whose account
/// cannot be created or adopted (an end-user or a foreign account is in the way). Recorded and
/// shown by `status`; never acted on, and never treated as departed.
package struct SkippedEntry: Hashable, Sendable {
    /// The entry.
    package var dn: DistinguishedName
    /// Its external id, when it had a usable one.
    package var externalID: ExternalID?
    /// Its e-mail, when it had a usable one.
    package var email: EmailAddress?
    /// Why it was skipped.
    package var diagnostic: Diagnostic
    /// The Podero account in the way, for conflicts.
    package var poderoID: String?
    /// The role the person would have, for conflicts.
    package var role: Role?

    /// Creates a skipped entry.
    package init(dn: DistinguishedName, externalID: ExternalID?, email: EmailAddress?, diagnostic: Diagnostic, poderoID: String? = nil, role: Role? = nil) {
        self.dn = dn
        self.externalID = externalID
        self.email = email
        self.diagnostic = diagnostic
        self.poderoID = poderoID
        self.role = role
    }

    /// Why it was skipped.
    package var reason: Diagnostic.Code { diagnostic.code }

    /// A key that stays the same while the case lasts: the code with the external id, or with
    /// the normalised DN when there is no usable id. Never a message (messages carry counts).
    package var key: String {
        "\(diagnostic.code.rawValue):" + (externalID.map { "id:\($0.rawValue)" } ?? "dn:\(dn.normalized)")
    }

    /// "entry: message", for the audit log and `status`.
    package var detail: String { "\(diagnostic.entry): \(diagnostic.message)" }
}
