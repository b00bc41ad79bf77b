import Foundation
import Testing

/// A private world for one end-to-end test: its own slapd (Scripts/slapd-fixture.sh), its own
/// podero-sandbox process, secrets, a configuration file and a journal, all in a temp directory.
/// The podero-team-sync binary runs as a subprocess, as an administrator would run it.
final class World: @unchecked Sendable {  // used by one test at a time
    static let orgID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let binaries = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()

    /// Where the people come from.
    enum Directory {
        /// A private slapd with `people` generated people plus the tricky entries.
        case slapd(people: Int)
        /// The shared Samba AD DC that Scripts/test.sh starts (Scripts/samba-fixture.sh), over LDAPS.
        case activeDirectory
    }

    let directory: URL
    let source: Directory
    let ldapURL: String
    let caFile: String
    var sandboxURL: String = ""
    /// The account the slapd configuration binds as (`cn=restricted,…` sees less).
    var slapdBindDN = "cn=podero-sync,ou=services,dc=example,dc=com"
    /// Write `directory.accesslog_base: cn=accesslog` (the slapd fixture logs its writes there).
    var accesslog = false
    /// Extra keys of `directory.users` (two-space indented YAML lines, without the indent).
    var usersExtra: [String] = []
    /// The AD bind account: svc-podero-watch also has the rights DirSync needs to see deletions.
    var adBindDN = "CN=svc-podero-sync,OU=Service Accounts,DC=corp,DC=example,DC=com"
    private var sandbox: pid_t?
    private let sandboxArguments: [String]
    var configPath: String { directory.appendingPathComponent("config.yaml").path }
    var journalPath: String { directory.appendingPathComponent("state/journal.sqlite").path }

    /// Starts slapd with `people` generated people (plus the tricky entries) and the sandbox.
    convenience init(people: Int = 30, sandbox arguments: [String] = [], extraConfig: String = "", sync: String = "") throws {
        try self.init(.slapd(people: people), sandbox: arguments, extraConfig: extraConfig, sync: sync)
    }

    init(_ source: Directory, sandbox arguments: [String] = [], extraConfig: String = "", sync: String = "") throws {
        self.source = source
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("world-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let bindPassword: String
        switch source {
        case .slapd(let people):
            let ldif = directory.appendingPathComponent("org.ldif")
            let generated = try Self.run("/usr/bin/env", ["python3", Self.repository.appendingPathComponent("Scripts/gen-ldif.py").path, "--people", "\(people)", "--tricky"])
            try generated.stdout.write(to: ldif, atomically: true, encoding: .utf8)
            let started = try Self.run(Self.repository.appendingPathComponent("Scripts/slapd-fixture.sh").path, ["start", directory.appendingPathComponent("slapd").path, ldif.path])
            guard started.status == 0 else { throw WorldError.fixture(started.stderr) }
            let env = try String(contentsOf: directory.appendingPathComponent("slapd/env"), encoding: .utf8)
            func value(_ key: String) -> String {
                env.split(separator: "\n").first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) } ?? ""
            }
            ldapURL = value("TEAMSYNC_LDAP_URL")
            caFile = value("TEAMSYNC_LDAP_CA")
            bindPassword = "sync-secret"
        case .activeDirectory:
            let environment = ProcessInfo.processInfo.environment
            guard let url = environment["TEAMSYNC_AD_LDAPS_URL"], let ca = environment["TEAMSYNC_AD_CA"] else {
                throw WorldError.fixture("TEAMSYNC_AD_LDAPS_URL is not set: run Scripts/test.sh, which starts the Samba AD DC")
            }
            ldapURL = url
            caFile = ca
            bindPassword = "Sync-Secret-1!"
        }
        sandboxArguments = arguments
        try writeSecret("ldap-password", bindPassword)
        try writeSecret("client-secret", "sandbox-client-secret")
        try startSandbox()
        try writeConfig(extra: extraConfig, sync: sync)
    }

    func startSandbox() throws {
        let output = directory.appendingPathComponent("sandbox.out").path
        let port = sandboxURL.isEmpty ? "0" : String(sandboxURL.split(separator: ":").last!)
        sandbox = try Spawn.start(Self.binaries.appendingPathComponent("podero-sandbox").path,
            ["--port", port, "--org-id", Self.orgID, "--client-id", "team-sync",
             "--client-secret-file", directory.appendingPathComponent("client-secret").path,
             "--state", directory.appendingPathComponent("sandbox.json").path] + sandboxArguments, stdout: output)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            if let range = text.range(of: "http://127.0.0.1:") {
                sandboxURL = "http://127.0.0.1:" + text[range.upperBound...].prefix { $0.isNumber }
                return
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw WorldError.fixture("podero-sandbox did not start")
    }

    func writeConfig(extra: String = "", sync: String = "", usersFilter: String = "(objectClass=inetOrgPerson)") throws {
        let directorySection: String
        switch source {
        case .slapd:
            directorySection = """
                directory:
                  url: \(ldapURL)
                  start_tls: true
                  tls_ca_file: \(caFile)
                  bind_dn: \(slapdBindDN)
                  bind_password_file: \(directory.appendingPathComponent("ldap-password").path)
                  timeout: 5s
                  page_size: 7\(accesslog ? "\n  accesslog_base: cn=accesslog" : "")
                  users:
                    base_dn: ou=people,dc=example,dc=com
                    filter: "\(usersFilter)"
                    disabled_filter: (employeeType=disabled)\(usersLines)
                  groups:
                    base_dn: ou=groups,dc=example,dc=com
                roles:
                  - group: cn=podero-admins,ou=groups,dc=example,dc=com
                    role: admin
                  - group: cn=podero-staff,ou=groups,dc=example,dc=com
                    role: staff
                """
        case .activeDirectory:
            directorySection = """
                directory:
                  url: \(ldapURL)
                  tls_ca_file: \(caFile)
                  bind_dn: \(adBindDN)
                  bind_password_file: \(directory.appendingPathComponent("ldap-password").path)
                  timeout: 10s
                  page_size: 1000
                  users:
                    base_dn: OU=Staff,DC=corp,DC=example,DC=com
                    filter: (&(objectCategory=person)(objectClass=user))
                    external_id_attribute: objectGUID
                    disabled_filter: (userAccountControl:1.2.840.113556.1.4.803:=2)\(usersLines)
                  groups:
                    base_dn: OU=Groups,DC=corp,DC=example,DC=com
                    filter: (objectClass=group)
                roles:
                  - group: CN=Podero Admins,OU=Groups,DC=corp,DC=example,DC=com
                    role: admin
                  - group: CN=Podero Staff,OU=Groups,DC=corp,DC=example,DC=com
                    role: staff
                """
        }
        let yaml = """
            version: 1
            \(directorySection)
            podero:
              base_url: \(sandboxURL)
              org_id: \(Self.orgID)
              client_id: team-sync
              client_secret_file: \(directory.appendingPathComponent("client-secret").path)
              timeout: 5s
              max_concurrency: 4
            sync:
            \(syncSection(sync))
            journal:
              path: \(journalPath)
            \(extra)
            """
        try yaml.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    private var usersLines: String { usersExtra.map { "\n    " + $0 }.joined() }

    /// Writes a secret file as an administrator would: one line, mode 0600.
    /// The defaults of the tests' sync section, with `extra`'s keys replacing them.
    private func syncSection(_ extra: String) -> String {
        let given = extra.split(separator: "\n").map(String.init)
        let keys = Set(given.filter { !$0.hasPrefix(" ") }.compactMap { $0.split(separator: ":").first.map(String.init) })
        let defaults = ["interval: 1m", "max_deletions: 10", "max_deletion_percent: 40"].filter { line in
            !keys.contains(String(line.split(separator: ":")[0]))
        }
        return (defaults + given).map { "  " + $0 }.joined(separator: "\n")
    }

    func writeSecret(_ name: String, _ value: String) throws {
        let path = directory.appendingPathComponent(name).path
        try (value + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    }

    /// Runs podero-team-sync with `arguments` (and `--config`), to completion.
    @discardableResult
    func cli(_ arguments: [String], config: Bool = true, environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        try Self.run(Self.binaries.appendingPathComponent("podero-team-sync").path, arguments + (config ? ["--config", configPath] : []),
            environment: environment)
    }

    /// Starts podero-team-sync without waiting; returns its pid (see `Spawn.wait`).
    func launch(_ arguments: [String], environment: [String: String] = [:]) throws -> pid_t {
        var merged = ProcessInfo.processInfo.environment
        merged["LDAPNOINIT"] = "1"
        merged.merge(environment) { $1 }
        return try Spawn.start(Self.binaries.appendingPathComponent("podero-team-sync").path, arguments + ["--config", configPath],
            stdout: directory.appendingPathComponent("launch.out").path, stderr: directory.appendingPathComponent("launch.err").path,
            environment: merged)
    }

    /// Applies an LDIF change as the directory's administrator.
    func ldapModify(_ ldif: String) throws {
        let file = directory.appendingPathComponent("change-\(UUID().uuidString.prefix(6)).ldif")
        try ldif.write(to: file, atomically: true, encoding: .utf8)
        let environment = ProcessInfo.processInfo.environment
        let admin: [String]
        switch source {
        case .slapd: admin = ["-H", ldapURL, "-D", "cn=admin,dc=example,dc=com", "-w", "admin-secret"]
        case .activeDirectory:
            admin = ["-H", environment["TEAMSYNC_AD_URL"] ?? "", "-D", environment["TEAMSYNC_AD_ADMIN_DN"] ?? "",
                     "-w", environment["TEAMSYNC_AD_ADMIN_PASSWORD"] ?? ""]
        }
        let result = try Self.run("/usr/bin/ldapmodify", ["-x"] + admin + ["-f", file.path])
        guard result.status == 0 else { throw WorldError.fixture("ldapmodify: \(result.stderr)") }
    }

    /// Every user the sandbox holds, with the internal deleted flag.
    func sandboxUsers() throws -> [[String: Any]] {
        try JSONSerialization.jsonObject(with: try get("/_sandbox/state")) as? [[String: Any]] ?? []
    }

    func sandboxRequests() throws -> [[String: Any]] {
        try JSONSerialization.jsonObject(with: try get("/_sandbox/requests")) as? [[String: Any]] ?? []
    }

    /// POSTs a JSON body to one of the sandbox's test routes (`seed`, `activity`).
    func postSandbox(_ route: String, _ json: String) throws {
        let result = try Self.run("/usr/bin/curl", ["-sf", "-X", "POST", sandboxURL + "/_sandbox/" + route, "-H", "Content-Type: application/json", "-d", json])
        guard result.status == 0 else { throw WorldError.fixture("POST /_sandbox/\(route) failed: \(result.stderr)") }
    }

    func setSandbox(_ switches: String) throws {
        _ = try Self.run("/usr/bin/curl", ["-sf", "-X", "PUT", sandboxURL + "/_sandbox/faults", "-H", "Content-Type: application/json", "-d", switches])
    }

    /// Hard-deletes a user through the API, as an administrator purging it by hand would.
    func hardDeleteInSandbox(_ id: String) throws {
        let token = try Self.run("/usr/bin/curl", ["-sf", "-u", "team-sync:sandbox-client-secret", "-H", "Content-Type: application/json",
            "-d", #"{"grant_type":"client_credentials"}"#, sandboxURL + "/oauth2/token/"]).stdout
        let json = try JSONSerialization.jsonObject(with: Data(token.utf8)) as? [String: Any]
        let access = try (json?["access_token"] as? String).orThrow("no token from the sandbox")
        let deleted = try Self.run("/usr/bin/curl", ["-sf", "-X", "DELETE", "-H", "Authorization: Bearer \(access)",
            sandboxURL + "/api/partners/v2.0/org/\(Self.orgID)/users/\(id)"])
        guard deleted.status == 0 else { throw WorldError.fixture("hard delete of \(id) failed: \(deleted.stderr)") }
    }

    func get(_ path: String) throws -> Data {
        Data(try Self.run("/usr/bin/curl", ["-sf", sandboxURL + path]).stdout.utf8)
    }

    func stop() {
        stopSandbox()
        _ = try? Self.run(Self.repository.appendingPathComponent("Scripts/slapd-fixture.sh").path, ["stop", directory.appendingPathComponent("slapd").path])
        try? FileManager.default.removeItem(at: directory)
    }

    func stopSandbox() {
        if let sandbox {
            kill(sandbox, SIGTERM)
            _ = Spawn.wait(sandbox)
            self.sandbox = nil
        }
    }

    static func run(_ executable: String, _ arguments: [String], environment extra: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        // Output goes to files, not pipes: a daemon started by the command (slapd) may keep a
        // pipe open and a reader would then wait for ever.
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID().uuidString)")
        let outPath = base.path + ".out", errPath = base.path + ".err"
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        var environment = ProcessInfo.processInfo.environment
        environment["LDAPNOINIT"] = "1"
        environment.merge(extra) { $1 }
        let pid = try Spawn.start(executable, arguments, stdout: outPath, stderr: errPath, environment: environment)
        let status = Spawn.wait(pid)
        return (status, (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "", (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }
}

enum WorldError: Error {
    case fixture(String)
}

extension Optional {
    /// The value, or a fixture error saying what was missing.
    func orThrow(_ what: String) throws -> Wrapped {
        guard let self else { throw WorldError.fixture(what) }
        return self
    }
}

extension World {
    /// Four of the eleven desired people leave at once (36 %): dept-00's three (user00010, 20
    /// and 30) as their group leaves podero-staff, and user00001, whose entry is deleted.
    func fourLeave() throws {
        try ldapModify("""
            dn: cn=podero-staff,ou=groups,dc=example,dc=com
            changetype: modify
            delete: member
            member: cn=dept-00,ou=groups,dc=example,dc=com

            dn: uid=user00001,ou=people,dc=example,dc=com
            changetype: delete
            """)
    }

    /// The sandbox's team accounts that are not soft-deleted, by e-mail (lower-cased).
    func liveTeam() throws -> [String: [String: Any]] {
        var team: [String: [String: Any]] = [:]
        for user in try sandboxUsers() where (user["deleted"] as? Bool) != true && ["admin", "staff"].contains(user["role"] as? String ?? "") {
            team[(user["email"] as? String ?? "").lowercased()] = user
        }
        return team
    }
}
