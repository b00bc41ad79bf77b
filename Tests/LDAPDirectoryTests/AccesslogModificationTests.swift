import LDAPDirectory
import TeamSyncCore
import Testing

@Suite("The accesslog's reqMod values, as the watch reads a changed group's members from them")
struct AccesslogModificationTests {
    private func change(_ value: String) -> (DistinguishedName, Bool)?? {
        AccesslogModification.memberChange(value, attribute: "member")
    }

    @Test("an added or removed member is that member; another attribute is ignored; anything else asks for a read of the group")
    func values() {
        let added = change("member:+ uid=P1,ou=people,dc=x")
        #expect(added??.0 == DistinguishedName("uid=p1,ou=people,dc=x") && added??.1 == true)
        let removed = change("MEMBER:- uid=p2,ou=people,dc=x")
        #expect(removed??.0 == DistinguishedName("uid=p2,ou=people,dc=x") && removed??.1 == false)
        // Other attributes of the same write: ignored, not a reason to read the group.
        for other in ["entryCSN:= 20261201184029.600406Z#000000#000#000000", "modifiersName:= cn=admin,dc=x", "memberOf:+ cn=g,dc=x"] {
            let answer = change(other)
            #expect(answer != nil && answer! == nil, "\(other)")
        }
        // A replace, a delete of every value, an option, a value that is no DN, no operation.
        for unknown in ["member:= uid=p3,dc=x", "member:-", "member:- ", "member;x-tag:+ uid=p4,dc=x", "member:+ not a dn", "member:", "member"] {
            #expect(change(unknown) == nil, "\(unknown)")
        }
    }
}
