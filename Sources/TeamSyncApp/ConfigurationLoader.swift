import Crypto
import Foundation
import LDAPDirectory
import PoderoAPI
import SyncJournal
import TeamSyncCore
import Yams

/// Reads the YAML configuration strictly and reports every problem at once.
package struct ConfigurationLoader {
    /// The largest configuration file read.
    static let limit = 1024 * 1024
    /// The largest CA file read.
    static let caLimit = 1024 * 1024
    package var environment: [String: String]
    /// Who may own a secret file (root and the running user).
    var secretOwners: Set<uid_t> = [0, geteuid()]
    /// False for commands that read the journal alone (`status`, `audit`): secrets are neither
    /// read nor required, and the configuration holds none.
    package var readsSecrets = true

    /// Creates a loader reading credentials from `environment`.
    package init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// Loads and validates the file at `path` (a regular file of at most 1 MiB).
    package func load(path: String) throws -> AppConfiguration {
        let data: Data
        do throws(BoundedFile.Refusal) {
            data = try BoundedFile(path: path, limit: Self.limit).read().data
        } catch {
            throw ConfigurationError([ConfigProblem("", "the configuration file \(path) \(error)")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError([ConfigProblem("", "the configuration file \(path) is not UTF-8 text")])
        }
        var configuration = try parse(text)
        configuration.sourcePath = path
        configuration.sourceDigest = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        return configuration
    }

    /// Validates YAML text.
    package func parse(_ text: String) throws -> AppConfiguration {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigurationError([ConfigProblem("", "not valid YAML: \(Self.describe(error))")])
        }
        let problems = ConfigProblemList()
        guard let root, root.null == nil else {
            throw ConfigurationError([ConfigProblem("", "the file is empty; it needs `version: 1` and the sections directory, roles and podero (see config/podero-team-sync.example.yaml)")])
        }
        let top = ConfigNode(node: root, path: "", problems: problems)
        guard let keys = top.mapping(allowed: ["version", "directory", "roles", "podero", "sync", "journal", "metrics", "log", "review", "notify"], required: true) else {
            throw ConfigurationError(problems.problems.isEmpty ? [ConfigProblem("", "the file is empty")] : problems.problems)
        }
        var warnings: [String] = []
        if let version = keys["version"] {
            if version.int(default: 1, range: 1...1) != 1 { version.report("must be 1") }
        } else {
            problems.add("version", "is required (version: 1)", nil)
        }
        let roles = readRoles(keys["roles"] ?? ConfigNode(node: nil, path: "roles", problems: problems))
        var dirSyncPoll = AppConfiguration.Defaults.dirSyncPoll
        let directory = readDirectory(keys["directory"] ?? ConfigNode(node: nil, path: "directory", problems: problems), roles: roles,
            warnings: &warnings, dirSyncPoll: &dirSyncPoll)
        let podero = readPodero(keys["podero"] ?? ConfigNode(node: nil, path: "podero", problems: problems), warnings: &warnings)
        var watch = (mode: AppConfiguration.WatchMode.auto, debounce: AppConfiguration.Defaults.watchDebounce)
        var planMaxAge = AppConfiguration.Defaults.planMaxAge
        let (policy, interval, maxRunTime) = readSync(keys["sync"] ?? ConfigNode(node: nil, path: "sync", problems: problems), watch: &watch,
            planMaxAge: &planMaxAge)

        if let directory, let warning = Self.adoptionWarning(policy, idAttribute: directory.users.externalIDAttribute) {
            warnings.append(warning)
        }
        var journalPath = AppConfiguration.Defaults.journalPath
        // Read without a journal section too: the signing key may be a credential.
        let journalNode = keys["journal"] ?? ConfigNode(node: nil, path: "journal", problems: problems)
        let journal = journalNode.mapping(allowed: ["path", "checkpoint_key_file", "checkpoint_file"]) ?? [:]
        if let path = journal["path"]?.string(required: true) { journalPath = path }
        let checkpoints = readCheckpoints(journal, parent: journalNode)
        let metrics = readMetrics(keys["metrics"], warnings: &warnings)
        var logFormat = AppConfiguration.Defaults.logFormat
        if let log = keys["log"]?.mapping(allowed: ["format"]) { logFormat = log["format"].choice(or: logFormat) }
        let review = readReview(keys["review"])
        let webhook = keys["notify"].flatMap(readWebhook)
        guard problems.problems.isEmpty, let directory, let podero else { throw ConfigurationError(problems.problems) }
        var configuration = AppConfiguration(
            directory: directory, rules: roles, podero: podero, policy: policy, interval: interval,
            journalPath: journalPath, metricsListen: metrics, logFormat: logFormat, warnings: warnings)
        configuration.maxRunTime = maxRunTime
        configuration.watch = watch.mode
        configuration.watchDebounce = watch.debounce
        configuration.dirSyncPoll = dirSyncPoll
        configuration.review = review
        configuration.checkpoints = checkpoints
        configuration.webhook = webhook
        configuration.planMaxAge = planMaxAge
        return configuration
    }

    /// `notify.webhook_url`: https (or http to a loopback address); a `{secret}` in it is
    /// replaced by `notify.webhook_secret_file`, else the credential `webhook-secret` (a Slack
    /// or Teams URL is itself the secret: keep it out of the configuration, which is 0644).
    private func readWebhook(_ node: ConfigNode) -> WebhookSettings? {
        guard let keys = node.mapping(allowed: ["webhook_url", "webhook_secret_file"]),
              let urlNode = keys["webhook_url"], let template = urlNode.string(required: true)
        else { return nil }
        guard let components = URLComponents(string: template.replacingOccurrences(of: "{secret}", with: "x")),
              let scheme = components.scheme?.lowercased(), let host = components.host, !host.isEmpty
        else {
            urlNode.report("must be an https URL, such as https://hooks.slack.com/services/{secret}")
            return nil
        }
        guard scheme == "https" || (scheme == "http" && Self.isLoopback(host)) else {
            urlNode.report("must be https (http only to a loopback address): the URL carries a secret")
            return nil
        }
        if components.user != nil || components.password != nil {
            urlNode.report("must not hold a user or password; put the secret part in notify.webhook_secret_file as {secret}")
            return nil
        }
        let shown = "\(scheme)://\(host)\(components.port.map { ":\($0)" } ?? "")"
        guard template.contains("{secret}") else { return WebhookSettings(url: Secret(template), host: shown) }
        guard readsSecrets else { return nil }
        let secretNode = keys["webhook_secret_file"] ?? ConfigNode(node: nil, path: "\(node.path).webhook_secret_file", problems: node.problems)
        guard let secret = SecretFile(environment: environment, owners: secretOwners).read(key: secretNode, credential: "webhook-secret", required: true) else {
            return nil
        }
        let value = secret.exposedValue
        guard !value.isEmpty, value.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "/-_.~".unicodeScalars.contains($0)) }) else {
            secretNode.report("must be the URL's secret part: letters, digits and / - _ . ~ only")
            return nil
        }
        return WebhookSettings(url: Secret(template.replacingOccurrences(of: "{secret}", with: value)), host: shown)
    }

    /// `journal.checkpoint_key_file` (else the credential `audit-signing-key`): the Ed25519 key
    /// that signs audit checkpoints, as `audit keygen` writes it; `journal.checkpoint_file`: a
    /// file each checkpoint line is appended to. The key is read only by commands that write.
    private func readCheckpoints(_ keys: [String: ConfigNode], parent: ConfigNode) -> AppConfiguration.Checkpoints {
        var checkpoints = AppConfiguration.Checkpoints()
        if let fileNode = keys["checkpoint_file"], let file = fileNode.string(required: true) {
            if !file.hasPrefix("/") { fileNode.report("must be an absolute path") } else { checkpoints.file = file }
        }
        guard readsSecrets else { return checkpoints }
        let keyNode = keys["checkpoint_key_file"] ?? ConfigNode(node: nil, path: "\(parent.path).checkpoint_key_file", problems: parent.problems)
        if let secret = SecretFile(environment: environment, owners: secretOwners).read(key: keyNode, credential: "audit-signing-key", required: false) {
            if let key = AuditSigningKey(text: secret.exposedValue) {
                checkpoints.key = key
            } else {
                keyNode.report("is not an Ed25519 signing key (make one with podero-team-sync audit keygen --output FILE)")
            }
        }
        return checkpoints
    }

    private func readRoles(_ node: ConfigNode) -> [RoleRule] {
        guard let items = node.sequence(required: true) else { return [] }
        if items.isEmpty { node.report("needs at least one rule (group and role)") }
        var rules: [RoleRule] = []
        var seen = Set<DistinguishedName>()
        for item in items {
            guard let keys = item.mapping(allowed: ["group", "role", "allow_external_email"], required: true) else { continue }
            let group = (keys["group"] ?? ConfigNode(node: nil, path: item.path + ".group", problems: item.problems)).distinguishedName(required: true)
            let roleNode = keys["role"] ?? ConfigNode(node: nil, path: item.path + ".role", problems: item.problems)
            var role: Role?
            if let text = roleNode.string(required: true) {
                role = Role(rawValue: text)
                if role == nil { roleNode.report("must be admin or staff") }
            }
            if let group, !seen.insert(group).inserted { keys["group"]?.report("the same group is already in an earlier rule, which always wins") }
            let external = keys["allow_external_email"].bool(or: false)
            if let group, let role { rules.append(RoleRule(group: group, role: role, allowsExternalEmail: external)) }
        }
        return rules
    }

    private func readDirectory(_ node: ConfigNode, roles: [RoleRule], warnings: inout [String], dirSyncPoll: inout Duration) -> LDAPSettings? {
        guard let keys = node.mapping(allowed: [
            "url", "start_tls", "tls_ca_file", "tls_verify", "bind_dn", "bind_password_file", "timeout", "page_size", "domain_scope",
            "users", "groups", "dirsync_poll", "accesslog_base",
        ], required: true) else { return nil }
        let missing = { (name: String) in ConfigNode(node: nil, path: "\(node.path).\(name)", problems: node.problems) }
        let urlNode = keys["url"] ?? missing("url")
        let url = urlNode.string(required: true)
        if let url, !["ldap://", "ldaps://", "ldapi://"].contains(where: { url.lowercased().hasPrefix($0) }) {
            urlNode.report("must start with ldap://, ldaps:// or ldapi://")
        }
        let startTLS = keys["start_tls"].bool(or: LDAPSettings.Defaults.startTLS)
        if startTLS, url?.lowercased().hasPrefix("ldap://") == false { keys["start_tls"]?.report("only works with an ldap:// URL") }
        let caFile = keys["tls_ca_file"]?.string()
        if let caFile, let problem = Self.checkCAFile(caFile) { keys["tls_ca_file"]?.report("the file \(caFile) \(problem)") }
        let verify = keys["tls_verify"].bool(or: LDAPSettings.Defaults.tlsVerify)
        if !verify { warnings.append("directory.tls_verify is false: the directory server's certificate is not checked") }
        if url?.lowercased().hasPrefix("ldap://") == true, !startTLS, keys["bind_dn"] != nil {
            warnings.append("directory.url is ldap:// without start_tls: the bind password travels in clear text")
        }
        let bindDNNode = keys["bind_dn"]
        if let bindDNNode { _ = bindDNNode.distinguishedName(required: true) }
        let bindDN = bindDNNode?.string()
        let passwordNode = keys["bind_password_file"] ?? missing("bind_password_file")
        let password = readsSecrets
            ? SecretFile(environment: environment, owners: secretOwners).read(key: passwordNode, credential: "ldap-bind-password", required: bindDN != nil)
            : nil
        let timeout = keys["timeout"].duration(or: LDAPSettings.Defaults.timeout, positive: true)
        let pageSize = keys["page_size"].int(or: LDAPSettings.Defaults.pageSize, range: 1...100_000)
        let domainScope = keys["domain_scope"].bool(or: LDAPSettings.Defaults.domainScope)
        if let poll = keys["dirsync_poll"] {
            dirSyncPoll = poll.duration(default: dirSyncPoll, positive: true) ?? dirSyncPoll
            if dirSyncPoll < .milliseconds(500) || dirSyncPoll > .seconds(3600) { poll.report("must be between 500ms and 1h") }
        }
        let accesslog = keys["accesslog_base"].flatMap { node in node.distinguishedName(required: true).map { _ in node.string() ?? "" } }
        let users = readUsers(keys["users"] ?? missing("users"))
        let groups = readGroups(keys["groups"] ?? missing("groups"))
        guard let url, let users, let groups else { return nil }
        var settings = LDAPSettings(
            url: url, startTLS: startTLS, tlsCAFile: caFile, tlsVerify: verify, bindDN: bindDN, bindPassword: password,
            timeout: timeout, pageSize: pageSize, users: users, groups: groups, roleGroups: roles.map(\.group),
            domainScope: domainScope)
        settings.accesslogBase = accesslog
        return settings
    }

    private func readUsers(_ node: ConfigNode) -> UserSearch? {
        guard let keys = node.mapping(allowed: [
            "base_dn", "filter", "external_id_attribute", "email_attribute", "first_name_attribute", "last_name_attribute",
            "disabled_filter", "uid_attribute", "expires_attribute", "expires_format",
        ], required: true) else { return nil }
        let base = (keys["base_dn"] ?? ConfigNode(node: nil, path: node.path + ".base_dn", problems: node.problems)).distinguishedName(required: true)
        var search = UserSearch(baseDN: keys["base_dn"]?.string() ?? "")
        if let filter = keys["filter"].flatMap({ Self.filter($0) }) { search.filter = filter }
        for (key, assign) in [
            ("external_id_attribute", { (s: inout UserSearch, v: String) in s.externalIDAttribute = v }),
            ("email_attribute", { s, v in s.emailAttribute = v }), ("first_name_attribute", { s, v in s.firstNameAttribute = v }),
            ("last_name_attribute", { s, v in s.lastNameAttribute = v }), ("uid_attribute", { s, v in s.uidAttribute = v }),
        ] as [(String, (inout UserSearch, String) -> Void)] {
            guard let node = keys[key], let value = node.string(required: true) else { continue }
            if Self.isAttributeName(value) { assign(&search, value) } else { node.report("is not an LDAP attribute name") }
        }
        search.disabledFilter = keys["disabled_filter"].flatMap { Self.filter($0) }
        if let node = keys["expires_attribute"], let value = node.string(required: true) {
            if Self.isAttributeName(value) { search.expiresAttribute = value } else { node.report("is not an LDAP attribute name") }
        }
        if let node = keys["expires_format"] {
            search.expiresFormat = node.choice(ExpiryFormat.self, default: .auto)
            if keys["expires_attribute"] == nil { node.report("needs directory.users.expires_attribute") }
        }
        return base == nil ? nil : search
    }

    private func readGroups(_ node: ConfigNode) -> GroupSearch? {
        guard let keys = node.mapping(allowed: ["base_dn", "filter", "member_attribute", "nested", "membership"], required: true) else { return nil }
        let base = (keys["base_dn"] ?? ConfigNode(node: nil, path: node.path + ".base_dn", problems: node.problems)).distinguishedName(required: true)
        var search = GroupSearch(baseDN: keys["base_dn"]?.string() ?? "")
        if let filter = keys["filter"].flatMap({ Self.filter($0) }) { search.filter = filter }
        search.memberAttribute = keys["member_attribute"].choice(or: search.memberAttribute)
        search.nested = keys["nested"].bool(or: search.nested)
        if let membership = keys["membership"] {
            search.membership = membership.choice(GroupSearch.Membership.self, default: search.membership)
            if search.membership == .inChain, search.memberAttribute != .member {
                membership.report("in_chain works only with member_attribute: member (Active Directory)")
            }
            if search.membership == .inChain, !search.nested {
                membership.report("in_chain always follows nested groups; it cannot be combined with nested: false")
            }
        }
        return base == nil ? nil : search
    }

    private func readPodero(_ node: ConfigNode, warnings: inout [String]) -> PoderoSettings? {
        guard let keys = node.mapping(allowed: ["base_url", "org_id", "client_id", "client_secret_file", "timeout", "max_concurrency"], required: true)
        else { return nil }
        let missing = { (name: String) in ConfigNode(node: nil, path: "\(node.path).\(name)", problems: node.problems) }
        let urlNode = keys["base_url"] ?? missing("base_url")
        let baseURL = urlNode.string(required: true)
        if let baseURL {
            let lower = baseURL.lowercased()
            let components = URLComponents(string: baseURL)
            if !(lower.hasPrefix("https://") || lower.hasPrefix("http://")) || URL(string: baseURL)?.host == nil {
                urlNode.report("must be an https:// URL such as https://app.podero.com")
            } else if components?.user != nil || components?.password != nil || baseURL.contains("@") {
                // Never echo it: the part before @ may be a password.
                urlNode.report("must not hold a user name or password (the client secret is client_secret_file)")
            } else if components?.query != nil || components?.fragment != nil {
                urlNode.report("must not have a query (?…) or a fragment (#…): it is the API's base, such as https://app.podero.com")
            } else if lower.hasPrefix("http://"), !Self.isLoopback(URL(string: baseURL)?.host ?? "") {
                warnings.append("podero.base_url uses http:// to a host that is not loopback: tokens travel in clear text")
            }
        }
        let orgNode = keys["org_id"] ?? missing("org_id")
        let orgID = orgNode.string(required: true)
        if let orgID, UUID(uuidString: orgID) == nil { orgNode.report("must be a UUID such as 3fa85f64-5717-4562-b3fc-2c963f66afa6") }
        let clientID = (keys["client_id"] ?? missing("client_id")).string(required: true)
        let secret = readsSecrets
            ? SecretFile(environment: environment, owners: secretOwners).read(
                key: keys["client_secret_file"] ?? missing("client_secret_file"), credential: "podero-client-secret", required: true)
            : Secret("")
        let timeout = keys["timeout"].duration(or: PoderoSettings.Defaults.timeout, positive: true)
        let concurrency = keys["max_concurrency"].int(or: PoderoSettings.Defaults.maxConcurrency, range: 1...64)
        guard let baseURL, let orgID, let clientID, let secret else { return nil }
        return PoderoSettings(baseURL: baseURL, orgID: orgID.lowercased(), clientID: clientID, clientSecret: secret,
            timeout: timeout, maxConcurrency: concurrency)
    }

    private func readSync(_ node: ConfigNode, watch: inout (mode: AppConfiguration.WatchMode, debounce: Duration),
                          planMaxAge: inout Duration) -> (SyncPolicy, Duration, Duration) {
        var policy = SyncPolicy()
        guard let keys = node.mapping(allowed: [
            "interval", "departure_grace", "hard_delete_after", "max_deletions", "max_deletion_percent", "adopt_existing", "adopt_roles",
            "protected_emails", "max_run_time", "max_deletions_per_day", "watch", "watch_debounce", "allowed_email_domains",
            "plan_max_age",
        ]) else { return (policy, AppConfiguration.Defaults.interval, AppConfiguration.Defaults.maxRunTime) }
        let interval = keys["interval"].duration(or: AppConfiguration.Defaults.interval, positive: true)
        if interval < AppConfiguration.Defaults.minimumInterval {
            keys["interval"]?.report("must be at least 1m: every cycle reads the whole directory and Podero's list (send SIGUSR1 for a sync now)")
        }
        policy.departureGrace = keys["departure_grace"].duration(or: policy.departureGrace)
        policy.hardDeleteAfter = keys["hard_delete_after"]?.duration(default: policy.hardDeleteAfter, positive: true) ?? policy.hardDeleteAfter
        policy.maxDeletions = keys["max_deletions"].int(or: policy.maxDeletions, range: 0...1_000_000)
        policy.maxDeletionPercent = keys["max_deletion_percent"].number(or: policy.maxDeletionPercent, range: 0...100)
        policy.maxDeletionsPerDay = keys["max_deletions_per_day"].int(or: policy.maxDeletionsPerDay, range: 0...1_000_000)
        policy.adoptExisting = keys["adopt_existing"].choice(or: policy.adoptExisting)
        if let items = keys["adopt_roles"]?.sequence(required: true) {
            var roles = Set<Role>()
            for item in items {
                guard let text = item.string(required: true) else { continue }
                if let role = Role(rawValue: text) { roles.insert(role) } else { item.report("must be admin or staff") }
            }
            policy.adoptRoles = roles
        }
        var protected = Set<String>()
        for item in keys["protected_emails"]?.sequence() ?? [] {
            guard let text = item.string(required: true) else { continue }
            if let email = EmailAddress(text) { protected.insert(email.key) } else { item.report("is not an e-mail address") }
        }
        policy.protectedEmails = protected
        var domains = Set<String>()
        for item in keys["allowed_email_domains"]?.sequence(required: true) ?? [] {
            guard let text = item.string(required: true) else { continue }
            let domain = text.hasPrefix("@") ? String(text.dropFirst()) : text
            if let email = EmailAddress("x@" + domain), !domain.contains("@") { domains.insert(email.domainKey) } else {
                item.report("is not a domain name such as example.com")
            }
        }
        policy.allowedEmailDomains = domains
        planMaxAge = keys["plan_max_age"].duration(or: planMaxAge, positive: true)
        let maxRunTime = keys["max_run_time"].duration(or: AppConfiguration.Defaults.maxRunTime, positive: true)
        if maxRunTime < .seconds(10) { keys["max_run_time"]?.report("must be at least 10s") }
        watch.mode = keys["watch"].choice(or: watch.mode)
        if let debounce = keys["watch_debounce"] {
            watch.debounce = debounce.duration(default: watch.debounce) ?? watch.debounce
            if watch.debounce > .seconds(10) { debounce.report("must be at most 10s") }
        }
        return (policy, interval, maxRunTime)
    }

    private func readReview(_ node: ConfigNode?) -> ReviewSettings {
        var review = ReviewSettings()
        guard let keys = node?.mapping(allowed: ["inactive_after", "invitation_stale_after", "max_admins", "expiry_notice"]) else { return review }
        review.inactiveAfter = keys["inactive_after"].duration(or: review.inactiveAfter, positive: true)
        review.invitationStaleAfter = keys["invitation_stale_after"].duration(or: review.invitationStaleAfter, positive: true)
        review.expiryNotice = keys["expiry_notice"].duration(or: review.expiryNotice)
        if let max = keys["max_admins"], !max.isNull { review.maxAdmins = max.int(default: 0, range: 0...1_000_000) }
        return review
    }

    private func readMetrics(_ node: ConfigNode?, warnings: inout [String]) -> (host: String, port: Int)? {
        guard let keys = node?.mapping(allowed: ["listen"]), let listen = keys["listen"], let text = listen.string() else { return nil }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65_535).contains(port) else {
            listen.report("must be host:port, such as 127.0.0.1:9464")
            return nil
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else {
            listen.report("must name a host, such as 127.0.0.1:9464")
            return nil
        }
        if !Self.isLoopback(host) {
            warnings.append("metrics.listen \(text) is not a loopback address: /metrics and /healthz answer other hosts, without authentication")
        }
        return (host, port)
    }

    private static func filter(_ node: ConfigNode) -> String? {
        guard let text = node.string(required: true) else { return nil }
        if let problem = LDAPFilterSyntax.problem(text) {
            node.report("is not a valid LDAP filter (RFC 4515): \(problem)")
            return nil
        }
        return text.trimmingCharacters(in: .whitespaces)
    }

    private static func isAttributeName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, CharacterSet.letters.contains(first) || CharacterSet.decimalDigits.contains(first) else { return false }
        return text.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "." || $0 == ";" }
    }

    private static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host.hasPrefix("127.") || host == "::1" || host == "[::1]"
    }

    private static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
            return "\(problem)\(context.map { " \($0.text)" } ?? "") (line \(mark.line))"
        case .duplicatedKeysInMapping(let duplicates, let context):
            // One line naming the key and where it is; never the whole file.
            let keys = duplicates.map { "`\($0.escapingControlCharacters)`" }.joined(separator: ", ")
            return "the key \(keys) appears more than once in the same mapping (line \(context.mark.line)); keep one"
        default:
            return "\(error)"
        }
    }

    /// Ids the server assigns and nobody can write; any other attribute is free text.
    static let serverAssignedIDs: Set<String> = ["entryuuid", "objectguid", "nsuniqueid", "ipauniqueid"]

    /// The risk of adopting by an id that whoever may edit the attribute can forge, or nil.
    static func adoptionWarning(_ policy: SyncPolicy, idAttribute: String) -> String? {
        guard policy.adoptExisting != .none, !policy.adoptRoles.isEmpty, !serverAssignedIDs.contains(idAttribute.lowercased()) else { return nil }
        let roles = Role.allCases.filter(policy.adoptRoles.contains).map(\.rawValue).joined(separator: " and ")
        let remedy = policy.adoptRoles.contains(.admin)
            ? "; set sync.adopt_roles: [staff] so that no admin can be taken over, or use a server-assigned id (entryUUID, objectGUID)"
            : ""
        return "sync.adopt_existing is \(policy.adoptExisting.rawValue) with directory.users.external_id_attribute \(idAttribute), "
            + "which is free text: anyone allowed to write it can copy an unmanaged \(roles) account's external_user_id "
            + "into a directory entry and take that account over\(remedy)"
    }

    /// Why a CA file cannot be used, or nil: it must be a regular file of at most 1 MiB holding
    /// at least one PEM certificate.
    static func checkCAFile(_ path: String) -> String? {
        do throws(BoundedFile.Refusal) {
            let data = try BoundedFile(path: path, limit: caLimit).read().data
            guard let text = String(data: data, encoding: .utf8),
                text.contains("-----BEGIN CERTIFICATE-----"), text.contains("-----END CERTIFICATE-----")
            else { return "holds no PEM certificate (-----BEGIN CERTIFICATE-----)" }
            return nil
        } catch {
            return error.description
        }
    }
}
