import TeamSyncCore

/// The remote read is complete-or-error, like the directory's: a Podero list that lacks live
/// accounts the journal manages would make the plan create them again (a second invitation)
/// and leave the old ones live. Every managed account missing from the list is looked up by its
/// id and its external id before anything is planned; if any still exists, or if more are
/// missing than `sync.max_deletion_percent` of the managed accounts and more than
/// `sync.max_deletions` (a list that shrank like that is not looked up one by one), the run
/// stops before any write. The `max_deletions` floor keeps a small team whose admin deleted one
/// account by hand from failing for ever.
struct RemoteListCheck: Sendable {
    var provider: any AccountProvider
    var maxMissingPercent: Double
    var maxMissing: Int

    /// Why the list cannot be trusted.
    struct Incomplete: Error, CustomStringConvertible {
        var description: String
    }

    /// Throws `Incomplete` unless every live managed account missing from `listed` is really gone.
    func check(listed: [RemoteAccount], managed: [ManagedAccount]) async throws {
        let liveManaged = managed.filter { $0.state.isLive }
        guard !liveManaged.isEmpty else { return }
        let listedIDs = Set(listed.lazy.filter { !$0.isSoftDeleted }.map(\.id))
        let missing = liveManaged.filter { !listedIDs.contains($0.poderoID) }
        guard !missing.isEmpty else { return }
        let share = Double(missing.count) * 100 / Double(liveManaged.count)
        if share > maxMissingPercent, missing.count > maxMissing {
            throw Incomplete(description: "Podero's list lacks \(missing.count) of \(liveManaged.count) managed accounts, more than sync.max_deletion_percent (\(Int(maxMissingPercent))%) and sync.max_deletions (\(maxMissing)); refusing to act on a list that may be incomplete (nothing was written)")
        }
        var present = 0
        for account in missing {
            let byID = try await provider.account(id: account.poderoID)
            let byExternalID = try await provider.account(externalID: account.externalID, includeDeleted: false)
            if byID != nil || byExternalID != nil { present += 1 }
        }
        if present > 0 {
            throw Incomplete(description: "Podero's list lacks \(present) managed account\(present == 1 ? "" : "s") that exist when looked up one by one; the list is incomplete, so nothing was written")
        }
    }
}
