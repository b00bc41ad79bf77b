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
        for candidate in candidates where candidate.problem == nil {
            if !seenIDs.insert(candidate.externalID!).inserted { sharedIDs.insert(candidate.externalID!) }
            if !seenEmails.insert(candidate.email!.key).inserted { sharedEmails.insert(candidate.email!.key) }
        }
        var idCounts: [ExternalID: Int] = [:]
        var emailCounts: [String: Int] = [:]
        if !sharedIDs.isEmpty || !sharedEmails.isEmpty {
            for candidate in candidates where candidate.problem == nil {
                if sharedIDs.contains(candidate.externalID!) { idCounts[candidate.externalID!, default: 0] += 1 }
                if sharedEmails.contains(candidate.email!.key) { emailCounts[candidate.email!.key, default: 0] += 1 }
            }
        }
        var people: [DirectoryPerson] = []
        people.reserveCapacity(candidates.count)
        var skipped: [SkippedEntry] = []
        var diagnostics: [Diagnostic] = []
        for candidate in candidates {
            var problem = candidate.problem
            if problem == nil, !idCounts.isEmpty, let count = idCounts[candidate.externalID!], count > 1 {
                problem = Diagnostic(.duplicateExternalID, entry: candidate.dn.normalized,
                    message: "shares its external id with \(count - 1) other entr\(count == 2 ? "y" : "ies"); all of them are skipped until that is fixed")
            } else if problem == nil, !emailCounts.isEmpty, let count = emailCounts[candidate.email!.key], count > 1 {
                problem = Diagnostic(.duplicateEmail, entry: candidate.dn.normalized,
                    message: "shares its e-mail address with \(count - 1) other entr\(count == 2 ? "y" : "ies"); all of them are skipped until that is fixed")
            }
            if let problem {
                diagnostics.append(problem)
                skipped.append(SkippedEntry(dn: candidate.dn, externalID: candidate.externalID, email: candidate.email, reason: problem.code))
                continue
            }
            people.append(
                DirectoryPerson(
                    externalID: candidate.externalID!, dn: candidate.dn, email: candidate.email!,
                    firstName: candidate.firstName, lastName: candidate.lastName,
                    isDisabled: disabled.contains(candidate.dn), memberships: memberships[candidate.dn] ?? []))
        }
        return DirectorySnapshot(
            people: people, skipped: skipped, diagnostics: diagnostics + groupDiagnostics,
            matchedCount: candidates.count)
    }
}
