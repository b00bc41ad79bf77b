@testable import LDAPDirectory
import TeamSyncCore
import Testing

@Suite("DirSync changes as watch signals (incremental values)")
struct DirSyncSignalTests {
    private let group = DistinguishedName("CN=Podero Staff,OU=Groups,DC=corp,DC=example,DC=com")!
    private func member(_ n: Int) -> String { "CN=Person \(n),OU=Staff,DC=corp,DC=example,DC=com" }

    private func change(_ values: [(String, Bool)] = [], isGroup: Bool = false, whole: Bool = false, named: Bool = false) -> DirSyncSession.Change {
        var change = DirSyncSession.Change(dn: group, guid: "g", deleted: false, isGroup: isGroup)
        change.memberChanges = values.map { (value: $0.0, added: $0.1) }
        change.wholeMembers = whole
        change.named = named
        return change
    }

    @Test("changed member values alone are checked one by one; a rename, whole values, too many values or no member values read the entry")
    func signals() {
        let checked = DirectoryWatch.signals(of: change([(member(1), true), (member(2), false)]), at: group)
        #expect(Set(checked) == [.listing(group: group, member: DistinguishedName(member(1))!), .listing(group: group, member: DistinguishedName(member(2))!)])
        let read: [DirectoryChange] = [.upserted(group, uuid: "g")]
        #expect(DirectoryWatch.signals(of: change([(member(1), true)], named: true), at: group) == read)
        #expect(DirectoryWatch.signals(of: change([(member(1), true)], whole: true), at: group) == read)
        #expect(DirectoryWatch.signals(of: change((0...DirectoryWatch.valueCheckLimit).map { (member($0), true) }), at: group) == read)
        #expect(DirectoryWatch.signals(of: change([("not a DN", true)]), at: group) == read)
        // Another attribute of an entry that may be a person: read it.
        #expect(DirectoryWatch.signals(of: change(), at: group) == read)
        // A group known to be one, with neither member values nor a name: its members stayed.
        #expect(DirectoryWatch.signals(of: change(isGroup: true), at: group).isEmpty)
        #expect(DirectoryWatch.signals(of: change(isGroup: true, named: true), at: group) == read)
    }
}
