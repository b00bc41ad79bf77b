import TeamSyncCore

/// Turns decoded people, the disabled set and resolved memberships into a snapshot: entries
/// with a problem, and everyone sharing an external id or an e-mail, are skipped and recorded.
struct SnapshotAssembler {
    var candidates: [PersonCandidate]
    var disabled: Set<DistinguishedName>
    var memberships: [DistinguishedName: [GroupMembership]]
    var groupDiagnostics: [Diagnostic]

    func assemble() -> DirectorySnapshot {
        // Sets rather than counters: one hash per id and e-mail, and nothing more to look up
        // afterwards in the usual case where nobody shares either.
        var seenIDs = Set<ExternalID>(minimumCapacity: candidates.count)
        var seenEmails = Set<String>(minimumCapacity: candidates.count)
        var sharedIDs = Set<ExternalID>()
        var sharedEmails = Set<String>()
        for person in candidates.lazy.compactMap(\.valid) {
            if !seenIDs.insert(person.externalID).inserted { sharedIDs.insert(person.externalID) }
            if !seenEmails.insert(person.email.key).inserted { sharedEmails.insert(person.email.key) }
        }
        var idCounts: [ExternalID: Int] = [:]
        var emailCounts: [String: Int] = [:]
        if !sharedIDs.isEmpty || !sharedEmails.isEmpty {
            for person in candidates.lazy.compactMap(\.valid) {
                if sharedIDs.contains(person.externalID) { idCounts[person.externalID, default: 0] += 1 }
                if sharedEmails.contains(person.email.key) { emailCounts[person.email.key, default: 0] += 1 }
            }
        }
        var people: [DirectoryPerson] = []
        people.reserveCapacity(candidates.count)
        var skipped: [SkippedEntry] = []
        var diagnostics: [Diagnostic] = []
        for candidate in candidates {
            let person: PersonCandidate.ValidPerson
            switch candidate.content {
            case .skipped(let entry):
                diagnostics.append(entry.diagnostic)
                skipped.append(entry)
                continue
            case .valid(let valid):
                person = valid
            }
            if let shared = sharing(person, candidate.dn, idCounts: idCounts, emailCounts: emailCounts) {
                diagnostics.append(shared)
                skipped.append(SkippedEntry(dn: candidate.dn, externalID: person.externalID, email: person.email, diagnostic: shared))
                continue
            }
            people.append(
                DirectoryPerson(
                    externalID: person.externalID, dn: candidate.dn, email: person.email,
                    firstName: person.firstName, lastName: person.lastName,
                    isDisabled: disabled.contains(candidate.dn), memberships: memberships[candidate.dn] ?? [],
                    expiresAt: person.expiresAt))
        }
        return DirectorySnapshot(
            people: people, skipped: skipped, diagnostics: diagnostics + groupDiagnostics,
            matchedCount: candidates.count)
    }

    /// The diagnostic of a person who shares an external id or an e-mail with others, if any.
    private func sharing(
        _ person: PersonCandidate.ValidPerson, _ dn: DistinguishedName, idCounts: [ExternalID: Int], emailCounts: [String: Int]
    ) -> Diagnostic? {
        if let count = idCounts[person.externalID], count > 1 {
            return Diagnostic(.duplicateExternalID, entry: dn.normalized,
                message: "shares its external id with \(count - 1) other entr\(count == 2 ? "y" : "ies"); all of them are skipped until that is fixed")
        }
        if let count = emailCounts[person.email.key], count > 1 {
            return Diagnostic(.duplicateEmail, entry: dn.normalized,
                message: "shares its e-mail address with \(count - 1) other entr\(count == 2 ? "y" : "ies"); all of them are skipped until that is fixed")
        }
        return nil
    }
}
