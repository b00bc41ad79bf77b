/// Port: where people and their group memberships come from (LDAP, Active Directory, a fake).
package protocol DirectorySource: Sendable {
    /// Reads the whole directory. Throws unless the read is complete: a missing page, a size or
    /// time limit, an unfollowed referral or a dropped connection is an error, never a short list.
    func readSnapshot() async throws -> DirectorySnapshot
}
