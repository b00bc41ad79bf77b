import Foundation
import Testing

/// The .deb that Scripts/package-deb.sh builds (Scripts/test.sh builds it and names it in
/// $PODERO_DEB), installed on this machine for real: what an administrator gets from
/// `apt install ./podero-team-sync_*.deb`, and what `dpkg -r` and `dpkg -P` leave behind.
@Suite("The Debian package", .serialized)
struct DebianPackageTests {
    static let hasDpkg = FileManager.default.isExecutableFile(atPath: "/usr/bin/dpkg")
    static let package = "podero-team-sync"
    static let pages = ["podero-team-sync", "podero-team-sync-sync", "podero-team-sync-plan", "podero-team-sync-run",
                        "podero-team-sync-status", "podero-team-sync-check-config", "podero-team-sync-audit",
                        "podero-team-sync-audit-export", "podero-team-sync-audit-verify", "podero-team-sync-approve",
                        "podero-team-sync-reject", "podero-sandbox"]

    /// The .deb under test, or a failure that says how to get one.
    private func debFile() throws -> String {
        let path = try ProcessInfo.processInfo.environment["PODERO_DEB"].orThrow(
            "PODERO_DEB is not set: run Scripts/test.sh, or set it to the last line of Scripts/package-deb.sh")
        guard FileManager.default.fileExists(atPath: path) else { throw WorldError.fixture("PODERO_DEB names \(path), which does not exist") }
        guard getuid() == 0 else { throw WorldError.fixture("installing the package needs root: run Scripts/test.sh as root or with sudo") }
        return path
    }

    private func sh(_ script: String) throws -> (status: Int32, stdout: String, stderr: String) {
        try World.run("/bin/sh", ["-c", script])
    }

    private func dpkg(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        // No terminal and no answers: a conffile prompt would fail the command, not hang it.
        try sh("DEBIAN_FRONTEND=noninteractive dpkg " + arguments.map { "'\($0)'" }.joined(separator: " ") + " </dev/null")
    }

    private func mode(_ path: String) throws -> (permissions: Int, owner: String) {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return ((attributes[.posixPermissions] as? Int) ?? -1, (attributes[.ownerAccountName] as? String) ?? "?")
    }

    private func exists(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) || (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) != nil
    }

    @Test("lintian --pedantic finds nothing that debian/podero-team-sync.lintian-overrides does not explain",
          .enabled(if: hasDpkg, "dpkg is absent: the Debian package is not tested on this machine"))
    func lintian() throws {
        let deb = try debFile()
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/lintian") else {
            throw WorldError.fixture("lintian is missing: install the Debian package lintian (Scripts/test.sh does)")
        }
        let result = try sh("lintian --pedantic '\(deb)' 2>&1")
        let tags = result.stdout.split(separator: "\n").filter { $0.range(of: #"^[EWIPX]: "#, options: .regularExpression) != nil }
        #expect(result.status == 0 && tags.isEmpty, "\(result.stdout)")
    }

    @Test("install, use, reinstall and upgrade over a local edit, remove, purge", .enabled(if: hasDpkg, "dpkg is absent: the Debian package is not tested on this machine"))
    func lifecycle() throws {
        let deb = try debFile()
        _ = try dpkg(["--purge", Self.package])  // a leftover of an interrupted run
        defer { _ = try? dpkg(["--purge", Self.package]) }

        // Install: enabled, not started, and it says what to do first.
        let installed = try dpkg(["-i", deb])
        #expect(installed.status == 0, "\(installed.stdout)\(installed.stderr)")
        #expect(installed.stdout.contains("enabled, but not started"), "\(installed.stdout)")
        #expect(exists("/etc/systemd/system/multi-user.target.wants/podero-team-sync.service"), "the unit is enabled on install")
        #expect(!exists("/etc/systemd/system/timers.target.wants/podero-team-sync-review.timer"), "the monthly review is left for the administrator to enable")

        // --version is the package's version.
        let debVersion = try sh("dpkg-deb -f '\(deb)' Version").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let version = try World.run("/usr/bin/podero-team-sync", ["--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let sandboxVersion = try World.run("/usr/bin/podero-sandbox", ["--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!version.isEmpty && debVersion == version + "-1", "package \(debVersion), binary \(version)")
        #expect(sandboxVersion == version)
        let fields = try sh("dpkg-deb -f '\(deb)' Depends").stdout
        #expect(fields.contains("libldap") && fields.contains("libsqlite3") && fields.contains("ca-certificates"), "\(fields)")
        #expect(!fields.contains("libswift"), "the Swift runtime is linked statically: \(fields)")

        // Files at their Debian places.
        let listed = try sh("dpkg -L \(Self.package)").stdout.split(separator: "\n").map(String.init)
        for path in ["/usr/bin/podero-team-sync", "/usr/bin/podero-sandbox",
                     "/usr/lib/systemd/system/podero-team-sync.service", "/usr/lib/systemd/system/podero-team-sync@.service",
                     "/usr/lib/systemd/system/podero-team-sync-review.service", "/usr/lib/systemd/system/podero-team-sync-review.timer",
                     "/usr/lib/sysusers.d/podero-team-sync.conf", "/etc/podero-team-sync/config.yaml",
                     "/usr/share/doc/podero-team-sync/copyright", "/usr/share/doc/podero-team-sync/changelog.Debian.gz",
                     "/usr/share/doc/podero-team-sync/examples/podero-team-sync.example.yaml",
                     "/usr/share/doc/podero-team-sync/examples/podero-team-sync.active-directory.example.yaml",
                     "/usr/share/bash-completion/completions/podero-team-sync", "/usr/share/zsh/vendor-completions/_podero-team-sync",
                     "/usr/share/fish/vendor_completions.d/podero-team-sync.fish"] {
            #expect(listed.contains(path), "\(path) is not in the package")
        }
        let files = listed.filter { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
        let conffiles = try sh("dpkg-query -W -f='${Conffiles}' \(Self.package)").stdout
        #expect(conffiles.contains("/etc/podero-team-sync/config.yaml"), "\(conffiles)")
        let stripped = try sh("file -b /usr/bin/podero-team-sync").stdout
        #expect(stripped.contains("stripped") && !stripped.contains("not stripped"), "\(stripped)")

        // One story for ownership: a system user owns the journal's place; root owns the secrets.
        let user = try sh("getent passwd podero-team-sync").stdout
        #expect(user.contains(":/var/lib/podero-team-sync:") && user.hasSuffix("nologin\n"), "\(user)")
        #expect(try mode("/var/lib/podero-team-sync") == (0o700, "podero-team-sync"))
        #expect(try mode("/etc/podero-team-sync/config.yaml") == (0o644, "root"))
        for secret in ["ldap-password", "client-secret"] {
            #expect(try mode("/etc/podero-team-sync/\(secret)") == (0o600, "root"), "\(secret)")
        }

        // Man pages for every subcommand; Tab completes a subcommand.
        for page in Self.pages {
            let found = try World.run("/usr/bin/man", ["-w", page])
            #expect(found.status == 0 && found.stdout.contains("/usr/share/man/man1/\(page).1"), "man -w \(page): \(found.stdout)\(found.stderr)")
        }
        let rendered = try sh("MANWIDTH=100 man podero-team-sync-sync 2>&1")
        #expect(rendered.stdout.contains("--max-deletions"), "\(rendered.stdout)")
        let completion = try World.run("/bin/bash", ["-c", """
            . /usr/share/bash-completion/bash_completion
            _completion_loader podero-team-sync
            function=$(complete -p podero-team-sync | sed -n 's/.*-F \\([^ ]*\\).*/\\1/p')
            COMP_WORDS=(podero-team-sync sy); COMP_CWORD=1; COMP_LINE="podero-team-sync sy"; COMP_POINT=${#COMP_LINE}
            "$function" podero-team-sync sy podero-team-sync
            printf '%s\\n' "${COMPREPLY[@]}"
            """])
        #expect(completion.stdout.split(separator: "\n").contains("sync"), "completions of `podero-team-sync sy`: \(completion.stdout)\(completion.stderr)")

        // The installed units: verify is clean (the man pages they name exist), exposure <= 1.5.
        for unit in ["/usr/lib/systemd/system/podero-team-sync.service", "podero-team-sync@sandbox.service",
                     "/usr/lib/systemd/system/podero-team-sync-review.service", "/usr/lib/systemd/system/podero-team-sync-review.timer"] {
            let verified = try World.run("/usr/bin/systemd-analyze", ["verify", unit])
            #expect(verified.status == 0 && verified.stdout.isEmpty && verified.stderr.isEmpty, "\(unit): \(verified.stdout)\(verified.stderr)")
        }
        let security = try World.run("/usr/bin/systemd-analyze", ["security", "--offline=true", "--no-pager", "/usr/lib/systemd/system/podero-team-sync.service"])
        let exposure = security.stdout.split(separator: "\n").first { $0.contains("Overall exposure level") }
            .flatMap { $0.split(separator: ":").last }.flatMap { Double($0.trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "") }
        #expect(exposure != nil && exposure! <= 1.5, "\(security.stdout)\(security.stderr)")

        // The static release binary does the job as the service would: as the package's user,
        // the secrets as systemd credentials, the journal in /var/lib/podero-team-sync.
        let world = try World()
        defer { world.stop() }
        let credentials = world.directory.appendingPathComponent("credentials")
        try FileManager.default.createDirectory(at: credentials, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: world.directory.appendingPathComponent("ldap-password"), to: credentials.appendingPathComponent("ldap-bind-password"))
        try FileManager.default.copyItem(at: world.directory.appendingPathComponent("client-secret"), to: credentials.appendingPathComponent("podero-client-secret"))
        _ = try sh("chown -R podero-team-sync:podero-team-sync '\(credentials.path)' && chmod 0700 '\(credentials.path)'")
        let serviceConfig = world.directory.appendingPathComponent("service.yaml").path
        try (try String(contentsOfFile: world.configPath, encoding: .utf8)).split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.contains("bind_password_file:") && !$0.contains("client_secret_file:") }
            .map { $0.replacingOccurrences(of: world.journalPath, with: "/var/lib/podero-team-sync/journal.sqlite") }
            .joined(separator: "\n").write(toFile: serviceConfig, atomically: true, encoding: .utf8)
        func asService(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
            try World.run("/usr/sbin/runuser", ["-u", "podero-team-sync", "--", "/usr/bin/env", "CREDENTIALS_DIRECTORY=\(credentials.path)",
                                                "/usr/bin/podero-team-sync"] + arguments + ["--config", serviceConfig])
        }
        let synced = try asService(["sync"])
        #expect(synced.status == 0, "\(synced.stdout)\(synced.stderr)")
        #expect(try world.liveTeam().count == EndToEndSyncTests.desired)
        #expect(try mode("/var/lib/podero-team-sync/journal.sqlite") == (0o600, "podero-team-sync"))
        let status = try asService(["status"])
        #expect(status.status == 0 && status.stdout.contains("sync"), "status as the service's user: \(status.stdout)\(status.stderr)")

        // A reinstall keeps the administrator's edit and secret, and asks nothing.
        _ = try sh("echo '# edited by the administrator' >> /etc/podero-team-sync/config.yaml; echo s3cret > /etc/podero-team-sync/ldap-password")
        let edited = try String(contentsOfFile: "/etc/podero-team-sync/config.yaml", encoding: .utf8)
        let reinstalled = try dpkg(["-i", deb])
        #expect(reinstalled.status == 0, "\(reinstalled.stdout)\(reinstalled.stderr)")
        #expect(try String(contentsOfFile: "/etc/podero-team-sync/config.yaml", encoding: .utf8) == edited)
        #expect(try String(contentsOfFile: "/etc/podero-team-sync/ldap-password", encoding: .utf8) == "s3cret\n")
        #expect(!exists("/etc/podero-team-sync/config.yaml.dpkg-dist") && !exists("/etc/podero-team-sync/config.yaml.dpkg-new"))

        // An upgrade (the same package with a higher version) keeps all of it too, says nothing
        // of a first install, and the unit stays enabled.
        let newer = world.directory.appendingPathComponent("newer.deb").path
        let unpacked = world.directory.appendingPathComponent("newer").path
        let repacked = try sh("""
            dpkg-deb -R '\(deb)' '\(unpacked)' && sed -i 's/^Version: .*/Version: \(version)+upgrade-1/' '\(unpacked)/DEBIAN/control' \
            && dpkg-deb -Znone -b '\(unpacked)' '\(newer)' >/dev/null
            """)
        #expect(repacked.status == 0, "\(repacked.stderr)")
        let upgraded = try dpkg(["-i", newer])
        #expect(upgraded.status == 0 && !upgraded.stdout.contains("enabled, but not started"), "\(upgraded.stdout)\(upgraded.stderr)")
        #expect(try sh("dpkg-query -W -f='${Version}' \(Self.package)").stdout == "\(version)+upgrade-1")
        #expect(try String(contentsOfFile: "/etc/podero-team-sync/config.yaml", encoding: .utf8) == edited)
        #expect(exists("/var/lib/podero-team-sync/journal.sqlite"))
        #expect(exists("/etc/systemd/system/multi-user.target.wants/podero-team-sync.service"), "still enabled after the upgrade")

        // Remove: the programs go, disabled; the configuration and the journal stay.
        let removed = try dpkg(["-r", Self.package])
        #expect(removed.status == 0, "\(removed.stdout)\(removed.stderr)")
        #expect(!exists("/usr/bin/podero-team-sync") && !exists("/usr/lib/systemd/system/podero-team-sync.service"))
        #expect(!exists("/etc/systemd/system/multi-user.target.wants/podero-team-sync.service"), "disabled on remove")
        #expect(exists("/etc/podero-team-sync/config.yaml") && exists("/var/lib/podero-team-sync/journal.sqlite"))
        #expect(try sh("dpkg-query -W -f='${Status}' \(Self.package)").stdout == "deinstall ok config-files")

        // Purge: nothing of the package is left but its system user (Debian keeps those).
        let purged = try dpkg(["-P", Self.package])
        #expect(purged.status == 0, "\(purged.stdout)\(purged.stderr)")
        let left = files.filter(exists)
        #expect(left.isEmpty, "left after purge: \(left)")
        for path in ["/etc/podero-team-sync", "/var/lib/podero-team-sync", "/usr/share/doc/podero-team-sync", "/var/lib/systemd/deb-systemd-helper-enabled/podero-team-sync.service.dsh-also",
                     "/var/lib/systemd/deb-systemd-helper-masked/podero-team-sync.service"] {
            #expect(!exists(path), "\(path) is left after purge")
        }
        #expect(try sh("dpkg-query -W -f='${Status}' \(Self.package) 2>/dev/null").stdout.isEmpty
                || (try sh("dpkg-query -W -f='${Status}' \(Self.package)").stdout).contains("not-installed"))
        #expect(try sh("getent passwd podero-team-sync").status == 0, "the system user stays (Debian policy)")
    }
}
