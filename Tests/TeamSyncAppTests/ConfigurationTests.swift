import Foundation
import Testing
@testable import TeamSyncApp

@Suite("Configuration: strict, every problem at once")
struct ConfigurationTests {
    static let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("config-tests-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try? "pw\n".write(to: url.appendingPathComponent("ldap-pw"), atomically: true, encoding: .utf8)
        try? "secret\n".write(to: url.appendingPathComponent("client-secret"), atomically: true, encoding: .utf8)
        try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.appendingPathComponent("ldap-pw").path)
        try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.appendingPathComponent("client-secret").path)
        return url
    }()

    static var valid: String {
        """
        version: 1
        directory:
          url: ldaps://ldap.example.com
          bind_dn: cn=podero-sync,ou=services,dc=example,dc=com
          bind_password_file: \(directory.appendingPathComponent("ldap-pw").path)
          users:
            base_dn: ou=people,dc=example,dc=com
          groups:
            base_dn: ou=groups,dc=example,dc=com
        roles:
          - group: cn=podero-admins,ou=groups,dc=example,dc=com
            role: admin
          - group: cn=podero-staff,ou=groups,dc=example,dc=com
            role: staff
        podero:
          base_url: https://app.podero.com
          org_id: 3fa85f64-5717-4562-b3fc-2c963f66afa6
          client_id: my-client-id
          client_secret_file: \(directory.appendingPathComponent("client-secret").path)
        """
    }

    private func problems(_ yaml: String, environment: [String: String] = [:]) -> [String] {
        Self.problems(yaml, loader: ConfigurationLoader(environment: environment))
    }

    /// The problems `loader` finds in `yaml`, one line each; empty when it loads.
    static func problems(_ yaml: String, loader: ConfigurationLoader) -> [String] {
        do {
            _ = try loader.parse(yaml)
            return []
        } catch let error as ConfigurationError {
            return error.problems.map(\.description)
        } catch {
            return ["\(error)"]
        }
    }

    @Test("the valid example loads, with the defaults of CONTRACT.md")
    func valid() throws {
        let configuration = try ConfigurationLoader(environment: [:]).parse(Self.valid)
        #expect(configuration.directory.pageSize == 500)
        #expect(configuration.directory.timeout == .seconds(30))
        #expect(configuration.directory.users.externalIDAttribute == "entryUUID")
        #expect(configuration.directory.groups.nested)
        #expect(configuration.directory.groups.membership == .expand)
        #expect(configuration.directory.domainScope)
        #expect(configuration.rules.map(\.role) == [.admin, .staff])
        #expect(configuration.podero.maxConcurrency == 4)
        #expect(configuration.policy.maxDeletions == 10 && configuration.policy.maxDeletionPercent == 20)
        #expect(configuration.policy.adoptExisting == .byExternalID)
        #expect(configuration.interval == .seconds(900))
        #expect(configuration.maxRunTime == .seconds(3600))
        #expect(configuration.journalPath == "/var/lib/podero-team-sync/journal.sqlite")
        #expect(configuration.podero.clientSecret.exposedValue == "secret")
    }

    /// Each invalid file and a fragment of the message it must produce.
    static let corpus: [(String, String, String)] = [
        ("unknown top-level key", "\(valid)\nextra: 1", "extra: unknown key (line 20)"),
        ("unknown nested key", valid.replacingOccurrences(of: "  url: ldaps://", with: "  uri: ldaps://"), "directory.uri: unknown key"),
        ("missing url", valid.replacingOccurrences(of: "  url: ldaps://ldap.example.com\n", with: ""), "directory.url: is required"),
        ("unsupported scheme", valid.replacingOccurrences(of: "ldaps://ldap.example.com", with: "http://ldap.example.com"), "directory.url: must start with ldap://, ldaps:// or ldapi://"),
        ("wrong version", valid.replacingOccurrences(of: "version: 1", with: "version: 2"), "version: must be between 1 and 1"),
        ("no version", valid.replacingOccurrences(of: "version: 1\n", with: ""), "version: is required"),
        ("bad duration", valid + "\nsync:\n  interval: soon", "sync.interval: must be a duration"),
        ("zero interval", valid + "\nsync:\n  interval: 0s", "sync.interval: must be longer than 0"),
        ("interval too short", valid + "\nsync:\n  interval: 1ms", "sync.interval: must be at least 1m"),
        ("interval 59s", valid + "\nsync:\n  interval: 59s", "sync.interval: must be at least 1m"),
        ("negative limit", valid + "\nsync:\n  max_deletions: -1", "sync.max_deletions: must be between 0"),
        ("percent over 100", valid + "\nsync:\n  max_deletion_percent: 150", "sync.max_deletion_percent: must be between 0 and 100"),
        ("adoption mode", valid + "\nsync:\n  adopt_existing: always", "sync.adopt_existing: must be one of none, by_external_id, by_external_id_or_email"),
        ("org id", valid.replacingOccurrences(of: "3fa85f64-5717-4562-b3fc-2c963f66afa6", with: "acme"), "podero.org_id: must be a UUID"),
        ("base url", valid.replacingOccurrences(of: "https://app.podero.com", with: "ftp://app.podero.com"), "podero.base_url: must be an https:// URL"),
        ("unreadable secret", valid.replacingOccurrences(of: "/client-secret", with: "/missing-secret"), "podero.client_secret_file: the secret file /"),
        ("no secret at all", valid.replacingOccurrences(of: "  client_secret_file:", with: "  # client_secret_file:"), "podero.client_secret_file: is required (or a systemd credential \"podero-client-secret\""),
        ("empty roles", valid.replacingOccurrences(of: valid[valid.range(of: "roles:")!.lowerBound..<valid.range(of: "podero:")!.lowerBound], with: "roles: []\n"), "roles: needs at least one rule"),
        ("bad role", valid.replacingOccurrences(of: "role: staff", with: "role: owner"), "roles[1].role: must be admin or staff"),
        ("bad group DN", valid.replacingOccurrences(of: "- group: cn=podero-staff,ou=groups,dc=example,dc=com", with: "- group: podero-staff"), "roles[1].group: is not a valid LDAP DN"),
        ("same group twice", valid.replacingOccurrences(of: "cn=podero-staff,ou=groups", with: "cn=podero-admins,ou=groups"), "roles[1].group: the same group is already in an earlier rule"),
        ("wrong type for bool", valid.replacingOccurrences(of: "  url: ldaps://ldap.example.com\n", with: "  url: ldaps://ldap.example.com\n  tls_verify: sometimes\n"), "directory.tls_verify: must be true or false"),
        ("page size", valid.replacingOccurrences(of: "  url: ldaps://ldap.example.com\n", with: "  url: ldaps://ldap.example.com\n  page_size: 0\n"), "directory.page_size: must be between 1"),
        ("member attribute", valid.replacingOccurrences(of: "    base_dn: ou=groups,dc=example,dc=com", with: "    base_dn: ou=groups,dc=example,dc=com\n    member_attribute: members"), "directory.groups.member_attribute: must be one of member, uniqueMember, memberUid"),
        ("membership mode", valid.replacingOccurrences(of: "    base_dn: ou=groups,dc=example,dc=com", with: "    base_dn: ou=groups,dc=example,dc=com\n    membership: server"), "directory.groups.membership: must be one of expand, in_chain"),
        ("in_chain needs member", valid.replacingOccurrences(of: "    base_dn: ou=groups,dc=example,dc=com", with: "    base_dn: ou=groups,dc=example,dc=com\n    member_attribute: memberUid\n    membership: in_chain"), "directory.groups.membership: in_chain works only with member_attribute: member"),
        ("in_chain is nested", valid.replacingOccurrences(of: "    base_dn: ou=groups,dc=example,dc=com", with: "    base_dn: ou=groups,dc=example,dc=com\n    nested: false\n    membership: in_chain"), "directory.groups.membership: in_chain always follows nested groups"),
        ("domain scope", valid.replacingOccurrences(of: "  url: ldaps://ldap.example.com", with: "  url: ldaps://ldap.example.com\n  domain_scope: maybe"), "directory.domain_scope: must be true or false"),
        ("bad filter", valid.replacingOccurrences(of: "    base_dn: ou=people,dc=example,dc=com", with: "    base_dn: ou=people,dc=example,dc=com\n    filter: (objectClass=person"), "directory.users.filter: is not a valid LDAP filter"),
        ("adopt role", valid + "\nsync:\n  adopt_roles: [owner]", "sync.adopt_roles[0]: must be admin or staff"),
        ("adopt roles list", valid + "\nsync:\n  adopt_roles: staff", "sync.adopt_roles: must be a list"),
        ("run time", valid + "\nsync:\n  max_run_time: 1s", "sync.max_run_time: must be at least 10s"),
        ("protected e-mail", valid + "\nsync:\n  protected_emails: [boss]", "sync.protected_emails[0]: is not an e-mail address"),
        ("metrics listen", valid + "\nmetrics:\n  listen: localhost", "metrics.listen: must be host:port"),
        ("log format", valid + "\nlog:\n  format: xml", "log.format: must be one of text, json"),
        ("not a mapping", "- just\n- a list", "(file): must be a mapping of keys"),
        ("empty file", "", "(file): the file is empty; it needs `version: 1` and the sections directory, roles and podero"),
        ("only comments", "# podero-team-sync\n# to be written\n", "(file): the file is empty; it needs `version: 1`"),
        ("not YAML", "version: 1\n  bad: [indent", "not valid YAML"),
        ("duplicate key", "version: 1\nsync:\n  interval: 1m\n  interval: 2m\n", "(file): not valid YAML: the key `interval` appears more than once in the same mapping (line 3); keep one"),
        ("base url with a password", valid.replacingOccurrences(of: "https://app.podero.com", with: "https://me:hunter2@app.podero.com"), "podero.base_url: must not hold a user name or password"),
        ("base url with a query", valid.replacingOccurrences(of: "https://app.podero.com", with: "https://app.podero.com/?x=1"), "podero.base_url: must not have a query"),
        ("base url with a fragment", valid.replacingOccurrences(of: "https://app.podero.com", with: "https://app.podero.com#top"), "podero.base_url: must not have a query (?…) or a fragment"),
        ("concurrency", valid.replacingOccurrences(of: "  client_id: my-client-id", with: "  client_id: my-client-id\n  max_concurrency: 1000"), "podero.max_concurrency: must be between 1 and 64"),
        ("start_tls with ldaps", valid.replacingOccurrences(of: "  url: ldaps://ldap.example.com\n", with: "  url: ldaps://ldap.example.com\n  start_tls: true\n"), "directory.start_tls: only works with an ldap:// URL"),
    ]

    @Test("invalid configurations, each with its message", arguments: corpus.indices)
    func invalid(index: Int) {
        let (name, yaml, expected) = Self.corpus[index]
        let found = problems(yaml)
        #expect(found.contains { $0.contains(expected) }, "\(name): \(found)")
    }

    @Test("issue 15 #16: a duplicate key is one line naming it, never the file")
    func duplicateKey() {
        let found = problems("version: 1\nsync:\n  interval: 1m\n  interval: 2m\n# secret-looking-comment\n")
        #expect(found.count == 1 && !found[0].contains("\n") && !found[0].contains("secret-looking-comment"), "\(found)")
    }

    @Test("several problems are all reported in one go, with line numbers")
    func allAtOnce() {
        let yaml = Self.valid
            .replacingOccurrences(of: "3fa85f64-5717-4562-b3fc-2c963f66afa6", with: "acme")
            .replacingOccurrences(of: "role: staff", with: "role: owner") + "\nsync:\n  interval: soon\n  bogus: 1"
        let found = problems(yaml)
        #expect(found.count == 4, "\(found)")
        #expect(found.contains("podero.org_id: must be a UUID such as 3fa85f64-5717-4562-b3fc-2c963f66afa6 (line 17)"))
        #expect(found.contains("sync.bogus: unknown key (line 22)"))
    }

    @Test("secrets come from $CREDENTIALS_DIRECTORY when the *_file keys are absent")
    func credentials() throws {
        let yaml = Self.valid
            .replacingOccurrences(of: "  bind_password_file: \(Self.directory.appendingPathComponent("ldap-pw").path)\n", with: "")
            .replacingOccurrences(of: "  client_secret_file: \(Self.directory.appendingPathComponent("client-secret").path)", with: "")
        let credentials = Self.directory.appendingPathComponent("credentials")
        try FileManager.default.createDirectory(at: credentials, withIntermediateDirectories: true)
        try "from-credential\n".write(to: credentials.appendingPathComponent("podero-client-secret"), atomically: true, encoding: .utf8)
        try "ldap-from-credential".write(to: credentials.appendingPathComponent("ldap-bind-password"), atomically: true, encoding: .utf8)
        // Readable by others: refused, naming the key, never showing the value.
        let refused = problems(yaml, environment: ["CREDENTIALS_DIRECTORY": credentials.path])
        #expect(refused.contains { $0.hasPrefix("podero.client_secret_file: the secret file") && $0.contains("can be read or changed by other users") }, "\(refused)")
        #expect(!refused.joined().contains("from-credential"))
        for name in ["podero-client-secret", "ldap-bind-password"] {
            try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: credentials.appendingPathComponent(name).path)
        }
        let configuration = try ConfigurationLoader(environment: ["CREDENTIALS_DIRECTORY": credentials.path]).parse(yaml)
        #expect(configuration.podero.clientSecret.exposedValue == "from-credential")
        #expect(configuration.directory.bindPassword?.exposedValue == "ldap-from-credential")
    }

    @Test("issue 15 #6: adoption with a free-text id attribute is warned about at every start, naming the risk")
    func forgeableID() throws {
        let freeText = Self.valid.replacingOccurrences(of: "    base_dn: ou=people,dc=example,dc=com", with: "    base_dn: ou=people,dc=example,dc=com\n    external_id_attribute: employeeNumber")
        let warned = try ConfigurationLoader(environment: [:]).parse(freeText).warnings
        #expect(warned.contains { $0.contains("external_id_attribute employeeNumber, which is free text") && $0.contains("sync.adopt_roles: [staff]") }, "\(warned)")
        let staffOnly = try ConfigurationLoader(environment: [:]).parse(freeText + "\nsync:\n  adopt_roles: [staff]")
        #expect(staffOnly.policy.adoptRoles == [.staff])
        #expect(staffOnly.warnings.contains { $0.contains("unmanaged staff account") && !$0.contains("adopt_roles: [staff]") })
        #expect(try ConfigurationLoader(environment: [:]).parse(freeText + "\nsync:\n  adopt_existing: none").warnings.isEmpty)
        #expect(try ConfigurationLoader(environment: [:]).parse(Self.valid).warnings.isEmpty)  // entryUUID: server-assigned
        #expect(try ConfigurationLoader(environment: [:]).parse(Self.valid).policy.adoptRoles == [.admin, .staff])
    }

    @Test("issue 15 #21: a password in base_url is never echoed; metrics on a non-loopback address is warned about")
    func urlsAndListeners() throws {
        let found = problems(Self.valid.replacingOccurrences(of: "https://app.podero.com", with: "https://me:hunter2@app.podero.com"))
        #expect(!found.joined().contains("hunter2"), "\(found)")
        let open = try ConfigurationLoader(environment: [:]).parse(Self.valid + "\nmetrics:\n  listen: 0.0.0.0:9464")
        #expect(open.warnings.contains { $0.contains("metrics.listen 0.0.0.0:9464 is not a loopback address") })
        #expect(try ConfigurationLoader(environment: [:]).parse(Self.valid + "\nmetrics:\n  listen: 127.0.0.1:9464").warnings.isEmpty)
    }

    @Test("issue 12 keys: expiry, allowed domains, allow_external_email, review thresholds")
    func accessReviewKeys() throws {
        var yaml = Self.valid.replacingOccurrences(of: "    base_dn: ou=people,dc=example,dc=com\n",
            with: "    base_dn: ou=people,dc=example,dc=com\n    expires_attribute: accountExpires\n")
        yaml = yaml.replacingOccurrences(of: "    role: staff\n", with: "    role: staff\n    allow_external_email: true\n")
        yaml += "\nsync:\n  allowed_email_domains: [Example.COM, \"@corp.example.org\"]\nreview:\n  inactive_after: 30d\n  invitation_stale_after: 7d\n  max_admins: 3\n  expiry_notice: 21d\n"
        let configuration = try ConfigurationLoader(environment: [:]).parse(yaml)
        #expect(configuration.directory.users.expiresAttribute == "accountExpires")
        #expect(configuration.directory.users.expiresFormat.resolved(for: "accountExpires") == .filetime)
        #expect(configuration.policy.allowedEmailDomains == ["example.com", "corp.example.org"])
        #expect(configuration.rules.map(\.allowsExternalEmail) == [false, true])
        #expect(configuration.review.inactiveAfter == .seconds(30 * 86_400))
        #expect(configuration.review.invitationStaleAfter == .seconds(7 * 86_400))
        #expect(configuration.review.maxAdmins == 3)
        #expect(configuration.review.expiryNotice == .seconds(21 * 86_400))
        let defaults = try ConfigurationLoader(environment: [:]).parse(Self.valid)
        #expect(defaults.review.inactiveAfter == .seconds(90 * 86_400) && defaults.review.maxAdmins == nil)
        #expect(defaults.policy.allowedEmailDomains.isEmpty && defaults.directory.users.expiresAttribute == nil)

        var bad = Self.valid.replacingOccurrences(of: "    base_dn: ou=people,dc=example,dc=com\n",
            with: "    base_dn: ou=people,dc=example,dc=com\n    expires_attribute: \"not an attribute\"\n    expires_format: julian\n")
        bad = bad.replacingOccurrences(of: "    role: staff\n", with: "    role: staff\n    allow_external_email: maybe\n")
        bad += "\nsync:\n  allowed_email_domains: [\"not a domain\", a@b.com]\nreview:\n  inactive_after: never\n  max_admins: -1\n  colour: red\n"
        let found = problems(bad)
        for key in ["directory.users.expires_attribute", "directory.users.expires_format", "roles[1].allow_external_email",
                    "sync.allowed_email_domains[0]", "sync.allowed_email_domains[1]", "review.inactive_after", "review.max_admins", "review.colour"] {
            #expect(found.contains { $0.hasPrefix(key + ":") }, "\(key) not in \(found)")
        }
    }

    @Test("tls_verify: false is allowed, and warned about")
    func verifyOff() throws {
        let yaml = Self.valid.replacingOccurrences(of: "  url: ldaps://ldap.example.com\n", with: "  url: ldaps://ldap.example.com\n  tls_verify: false\n")
        #expect(try ConfigurationLoader(environment: [:]).parse(yaml).warnings.contains { $0.contains("tls_verify is false") })
    }
}

@Suite("The example configurations")
struct ExampleConfigurationTests {
    @Test("every shipped example is valid, with secrets from systemd credentials", arguments: [
        "config/podero-team-sync.example.yaml", "config/podero-team-sync.active-directory.example.yaml",
    ])
    func examples(_ path: String) throws {
        let credentials = FileManager.default.temporaryDirectory.appendingPathComponent("credentials-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: credentials, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: credentials) }
        for name in ["ldap-bind-password", "podero-client-secret"] {
            try "x".write(to: credentials.appendingPathComponent(name), atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: credentials.appendingPathComponent(name).path)
        }
        var text = try String(contentsOfFile: World.repository.appendingPathComponent(path).path, encoding: .utf8)
        // The CA file named in the AD example does not exist here; point it at one that does.
        let ca = credentials.appendingPathComponent("ca.pem").path
        try ConfigurationFileTests.pem.write(toFile: ca, atomically: true, encoding: .utf8)
        text = text.replacingOccurrences(of: "/etc/podero-team-sync/corp-ca.pem", with: ca)
        let configuration = try ConfigurationLoader(environment: ["CREDENTIALS_DIRECTORY": credentials.path]).parse(text)
        #expect(configuration.rules.count == 2)
        #expect(configuration.warnings.isEmpty, "\(configuration.warnings)")
    }
}
