import Testing
import TeamSyncCore

@Suite("LDAP filters checked like libldap checks them (issue 15 #15)")
struct LDAPFilterSyntaxTests {
    @Test("valid filters", arguments: [
        "(objectClass=inetOrgPerson)", "objectClass=person", "(&(objectClass=user)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))",
        "(|(mail=*@example.com)(cn=J*n D*e))", "(pwdAccountLockedTime=*)", "(employeeType=dis\\28abled\\29)", "(&)", "(|)",
        "(cn:dn:2.5.13.5:=John)", "(cn:=x)", "(:caseExactMatch:=x)", "(memberOf=cn=podero-staff,ou=groups,dc=example,dc=com)",
        "(createTimestamp>=20240101000000Z)", "(& (objectClass=user) (!(cn=x)) )", "(cn~=jon)", "(cn;lang-de=Hans)", "(sn=Müller)",
    ])
    func valid(_ filter: String) {
        #expect(LDAPFilterSyntax.problem(filter) == nil, "\(filter): \(LDAPFilterSyntax.problem(filter) ?? "")")
    }

    @Test("invalid filters, with the reason", arguments: [
        ("(a=b)(c=d)", "more than one filter"), ("(objectClass=person", "expected )"), ("(=x)", "expected an attribute name"),
        ("(cn=a(b)", "an unescaped ("), ("(cn=a\\zz)", "two hex digits"), ("(cn>x)", "= after ~, > or <"), ("(!(a=b)(c=d))", "expected )"),
        ("(:=x)", "an extensible match needs"), ("(cn>=a*)", "an unescaped *"), ("", "is empty"), ("(&(a=b)", "expected )"),
    ])
    func invalid(_ filter: String, _ reason: String) {
        let problem = LDAPFilterSyntax.problem(filter)
        #expect(problem?.contains(reason) == true, "\(filter): \(problem ?? "accepted")")
    }
}
