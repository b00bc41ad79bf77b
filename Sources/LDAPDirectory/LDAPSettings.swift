import TeamSyncCore

/// How to reach the directory and what to read from it: the `directory:` section of the
/// configuration, plus the configured role groups.
package struct LDAPSettings: Sendable {
    /// `ldap://`, `ldaps://` or `ldapi://` URL.
    package var url: String
    /// Upgrade an `ldap://` connection with StartTLS before binding.
    package var startTLS: Bool
    /// PEM file with the CA that signed the server certificate; nil uses the system's.
    package var tlsCAFile: String?
    /// Verify the server certificate (default). Turning it off is explicit and warned about.
    package var tlsVerify: Bool
    /// DN for a simple bind; nil binds anonymously.
    package var bindDN: String?
    /// Password for the simple bind, read from a file by the caller.
    package var bindPassword: Secret?
    /// Bound on connecting and on every single operation.
    package var timeout: Duration
    /// Entries per page of paged results (RFC 2696).
    package var pageSize: Int
    /// Where people are and how their fields are named.
    package var users: UserSearch
    /// Where groups are and how they name their members.
    package var groups: GroupSearch
    /// The configured role groups (the groups of the `roles:` rules), in rule order.
    package var roleGroups: [DistinguishedName]
    /// Send Active Directory's domain-scope control with every search, so that AD makes no
    /// referrals to other domains or partitions (servers that do not know it ignore it).
    package var domainScope: Bool
    /// `directory.accesslog_base`: where OpenLDAP's accesslog overlay logs the writes to the
    /// directory (e.g. `cn=accesslog`). When set, the watch reads a changed group's added and
    /// removed members from there instead of reading all its members.
    package var accesslogBase: String?

    /// Creates settings; defaults follow CONTRACT.md.
    /// The defaults of CONTRACT.md, in one place (the configuration loader reads them here).
    package enum Defaults {
        package static let startTLS = false
        package static let tlsVerify = true
        package static let timeout: Duration = .seconds(30)
        package static let pageSize = 500
        package static let domainScope = true
    }

    package init(
        url: String, startTLS: Bool = Defaults.startTLS, tlsCAFile: String? = nil, tlsVerify: Bool = Defaults.tlsVerify,
        bindDN: String? = nil, bindPassword: Secret? = nil, timeout: Duration = Defaults.timeout,
        pageSize: Int = Defaults.pageSize, users: UserSearch, groups: GroupSearch, roleGroups: [DistinguishedName],
        domainScope: Bool = Defaults.domainScope
    ) {
        self.url = url
        self.startTLS = startTLS
        self.tlsCAFile = tlsCAFile
        self.tlsVerify = tlsVerify
        self.bindDN = bindDN
        self.bindPassword = bindPassword
        self.timeout = timeout
        self.pageSize = pageSize
        self.users = users
        self.groups = groups
        self.roleGroups = roleGroups
        self.domainScope = domainScope
    }
}

/// `directory.users`: the people search.
package struct UserSearch: Sendable {
    /// Search base.
    package var baseDN: String
    /// LDAP filter selecting people.
    package var filter: String
    /// Attribute holding the stable id; `objectGUID` is decoded from binary to UUID text.
    package var externalIDAttribute: String
    /// Attribute holding the e-mail address.
    package var emailAttribute: String
    /// Attribute holding the given name.
    package var firstNameAttribute: String
    /// Attribute holding the family name.
    package var lastNameAttribute: String
    /// Optional filter: people it matches count as departed.
    package var disabledFilter: String?
    /// Attribute that `memberUid` values refer to.
    package var uidAttribute: String
    /// `expires_attribute`: when a person's access ends; nil reads no expiry.
    package var expiresAttribute: String?
    /// `expires_format`: how that attribute writes a date.
    package var expiresFormat: ExpiryFormat = .auto

    /// Creates a people search; defaults follow CONTRACT.md.
    package init(
        baseDN: String, filter: String = "(objectClass=inetOrgPerson)",
        externalIDAttribute: String = "entryUUID", emailAttribute: String = "mail",
        firstNameAttribute: String = "givenName", lastNameAttribute: String = "sn",
        disabledFilter: String? = nil, uidAttribute: String = "uid"
    ) {
        self.baseDN = baseDN
        self.filter = filter
        self.externalIDAttribute = externalIDAttribute
        self.emailAttribute = emailAttribute
        self.firstNameAttribute = firstNameAttribute
        self.lastNameAttribute = lastNameAttribute
        self.disabledFilter = disabledFilter
        self.uidAttribute = uidAttribute
    }
}

/// `directory.groups`: the group search.
package struct GroupSearch: Sendable {
    /// How a group names its members.
    package enum MemberAttribute: String, Sendable, CaseIterable {
        case member
        case uniqueMember
        case memberUid
    }

    /// Who resolves nested membership.
    package enum Membership: String, Sendable, CaseIterable {
        /// We read the groups and follow nesting ourselves (fast; gives the "via" path).
        case expand
        /// Active Directory resolves it: one people search per role group with the
        /// LDAP_MATCHING_RULE_IN_CHAIN rule (1.2.840.113556.1.4.1941) on `memberOf`.
        case inChain = "in_chain"
    }

    /// Search base.
    package var baseDN: String
    /// LDAP filter selecting groups.
    package var filter: String
    /// How a group names its members.
    package var memberAttribute: MemberAttribute
    /// Follow groups inside groups.
    package var nested: Bool
    /// Who resolves nested membership (`directory.groups.membership`).
    package var membership: Membership

    /// Creates a group search; defaults follow CONTRACT.md.
    package init(
        baseDN: String, filter: String = "(objectClass=groupOfNames)",
        memberAttribute: MemberAttribute = .member, nested: Bool = true, membership: Membership = .expand
    ) {
        self.baseDN = baseDN
        self.filter = filter
        self.memberAttribute = memberAttribute
        self.nested = nested
        self.membership = membership
    }
}
