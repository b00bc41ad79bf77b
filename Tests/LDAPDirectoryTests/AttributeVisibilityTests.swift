import Testing
@testable import LDAPDirectory

@Suite("Attributes a filter tests (issue 15 #27)")
struct AttributeVisibilityTests {
    @Test("attribute descriptions of a filter, with extensible matches, negations and duplicates")
    func filterAttributes() {
        #expect(AttributeVisibility.attributes(inFilter: "(employeeType=disabled)") == ["employeeType"])
        #expect(AttributeVisibility.attributes(inFilter: "(userAccountControl:1.2.840.113556.1.4.803:=2)") == ["userAccountControl"])
        #expect(AttributeVisibility.attributes(inFilter: "(&(pwdAccountLockedTime=*)(!(shadowExpire<=1))(|(a~=b)(PWDACCOUNTLOCKEDTIME>=1)))")
            == ["pwdAccountLockedTime", "shadowExpire", "a"])
        #expect(AttributeVisibility.attributes(inFilter: "").isEmpty)
    }
}
