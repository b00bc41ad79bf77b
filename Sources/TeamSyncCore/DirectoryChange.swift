/// What a directory watch reported about one entry. A change is a signal, not data: the entry
/// is read afresh before anything is planned from it.
package enum DirectoryChange: Hashable, Sendable {
    /// The entry was added or changed (a rename arrives under its new DN).
    case upserted(DistinguishedName, uuid: String?)
    /// The entry left the watched content: deleted, moved out, or no longer matching. The DN
    /// is missing when the server only sent the entry's id.
    case gone(DistinguishedName?, uuid: String?)
    /// Not from the server: whether `group` lists `member` must be asked again (someone left
    /// that DN or arrived at it, and the server rewrites its groups later). Only that one
    /// value is asked for, whatever the group's size.
    case listing(group: DistinguishedName, member: DistinguishedName)

    /// The entry's DN, when known.
    package var dn: DistinguishedName? {
        switch self {
        case .upserted(let dn, _): dn
        case .gone(let dn, _): dn
        case .listing(let group, _): group
        }
    }
}
