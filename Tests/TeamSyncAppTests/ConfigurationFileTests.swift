import CPosixExtras
import Foundation
import Testing
import TeamSyncCore
@testable import TeamSyncApp

/// Files the configuration names are complete-or-error: regular files of bounded size; secrets
/// are private, owned by root or the running user, one line (issue 15 #2, #4, #17).
@Suite("Configuration: the files it names")
struct ConfigurationFileTests {
    static let pem = """
        -----BEGIN CERTIFICATE-----
        MIIBszCCAVmgAwIBAgIUQ2VydGlmaWNhdGUgZm9yIHRlc3RzIG9ubHkwCgYIKoZI
        -----END CERTIFICATE-----

        """

    let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("config-files-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    private func write(_ name: String, _ data: Data, mode: Int = 0o600) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try data.write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    /// The problems of the valid configuration with the client secret file at `secret`.
    private func secretProblems(_ secret: String, owners: Set<uid_t>? = nil, extra: (String, String)? = nil) -> [String] {
        var yaml = ConfigurationTests.valid.replacingOccurrences(
            of: ConfigurationTests.directory.appendingPathComponent("client-secret").path, with: secret)
        if let extra { yaml = yaml.replacingOccurrences(of: extra.0, with: extra.1) }
        var loader = ConfigurationLoader(environment: [:])
        if let owners { loader.secretOwners = owners }
        return ConfigurationTests.problems(yaml, loader: loader)
    }

    @Test("#2: a symlink to a file others can read (/etc/shadow-like, 0640) is refused, naming the key, never sending it")
    func symlinkToShadow() throws {
        let shadow = try write("shadow", Data("root:$6$hash:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n".utf8), mode: 0o640)
        let link = directory.appendingPathComponent("secret-link").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: shadow)
        let found = secretProblems(link)
        #expect(found.contains { $0.hasPrefix("podero.client_secret_file: the secret file \(link) can be read or changed by other users (mode 640)") }, "\(found)")
        #expect(!found.joined().contains("$6$hash"))
        if FileManager.default.fileExists(atPath: "/etc/shadow") {
            let real = directory.appendingPathComponent("etc-shadow").path
            try FileManager.default.createSymbolicLink(atPath: real, withDestinationPath: "/etc/shadow")
            #expect(!secretProblems(real).isEmpty)
        }
    }

    @Test("#2: devices, FIFOs and directories are not secret files")
    func notRegular() throws {
        let fifo = directory.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        for (path, kind) in [("/dev/zero", "a character device"), (fifo, "a FIFO"), (directory.path, "a directory")] {
            let found = secretProblems(path)
            #expect(found.contains { $0.contains("the secret file \(path) is not a regular file (\(kind))") }, "\(found)")
        }
    }

    @Test("#2: a secret is one line of at most 64 KiB without NUL; its trailing newline is dropped")
    func oneLine() throws {
        #expect(secretProblems(try write("lf", Data("s3cret\n".utf8))).isEmpty)
        #expect(secretProblems(try write("crlf", Data("s3cret\r\n".utf8))).isEmpty)
        #expect(secretProblems(try write("two", Data("s3cret\nmore\n".utf8))).contains { $0.contains("has more than one line") })
        #expect(secretProblems(try write("nul", Data("s3\u{0}cret".utf8))).contains { $0.contains("contains a NUL byte") })
        #expect(secretProblems(try write("empty", Data("\n".utf8))).contains { $0.contains("is empty") })
        let big = try write("big", Data(repeating: UInt8(ascii: "a"), count: 64 * 1024 + 1))
        #expect(secretProblems(big).contains { $0.contains("is larger than 64 KiB") })
        #expect(secretProblems(try write("max", Data(repeating: UInt8(ascii: "a"), count: 64 * 1024))).isEmpty)
    }

    @Test("#2: a secret owned by another user is refused")
    func owner() throws {
        let path = try write("mine", Data("s3cret\n".utf8))
        #expect(secretProblems(path, owners: [0, geteuid()]).isEmpty)
        let found = secretProblems(path, owners: [4242])
        #expect(found.contains { $0.contains("is owned by user \(geteuid()), not by root or the user the daemon runs as") }, "\(found)")
    }

    /// Sets an access ACL: owner rw, named users, group and other as given, mask r.
    private func setACL(_ path: String, users: [UInt32], group: UInt16, other: UInt16) throws {
        var bytes: [UInt8] = [2, 0, 0, 0]
        func entry(_ tag: UInt16, _ permissions: UInt16, _ id: UInt32) {
            bytes += withUnsafeBytes(of: tag.littleEndian, Array.init) + withUnsafeBytes(of: permissions.littleEndian, Array.init)
                + withUnsafeBytes(of: id.littleEndian, Array.init)
        }
        entry(0x01, 6, .max)
        for user in users { entry(0x02, 4, user) }
        entry(0x04, group, .max)
        entry(0x10, 4, .max)
        entry(0x20, other, .max)
        let result = bytes.withUnsafeBytes { setxattr(path, "system.posix_acl_access", $0.baseAddress, $0.count, 0) }
        try #require(result == 0, "setxattr: \(String(cString: strerror(errno)))")
    }

    @Test("#2: a credential opened to the running user by an ACL (as systemd writes them) is private; one opened to others is not")
    func acl() throws {
        let systemdStyle = try write("credential", Data("s3cret\n".utf8), mode: 0o400)
        try setACL(systemdStyle, users: [geteuid()], group: 0, other: 0)
        #expect(secretProblems(systemdStyle).isEmpty)
        let otherUser = try write("other-user", Data("s3cret\n".utf8), mode: 0o400)
        try setACL(otherUser, users: [4242], group: 0, other: 0)
        #expect(secretProblems(otherUser).contains { $0.contains("is opened to user 4242 by an ACL") })
        let group = try write("group", Data("s3cret\n".utf8), mode: 0o400)
        try setACL(group, users: [], group: 4, other: 0)
        #expect(secretProblems(group).contains { $0.contains("is opened to a group by an ACL") })
    }

    @Test("#2: the credentials directory must not be changeable by every user")
    func credentialsDirectory() throws {
        let credentials = directory.appendingPathComponent("credentials")
        try FileManager.default.createDirectory(at: credentials, withIntermediateDirectories: true)
        for name in ["podero-client-secret", "ldap-bind-password"] {
            _ = try write("credentials/\(name)", Data("s3cret\n".utf8), mode: 0o400)
        }
        let yaml = ConfigurationTests.valid
            .replacingOccurrences(of: "  bind_password_file: \(ConfigurationTests.directory.appendingPathComponent("ldap-pw").path)\n", with: "")
            .replacingOccurrences(of: "  client_secret_file: \(ConfigurationTests.directory.appendingPathComponent("client-secret").path)", with: "")
        #expect(throws: Never.self) { try ConfigurationLoader(environment: ["CREDENTIALS_DIRECTORY": credentials.path]).parse(yaml) }
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: credentials.path)
        #expect {
            try ConfigurationLoader(environment: ["CREDENTIALS_DIRECTORY": credentials.path]).parse(yaml)
        } throws: { error in
            "\(error)".contains("$CREDENTIALS_DIRECTORY \(credentials.path) can be changed by every user (mode 777)")
        }
    }

    @Test("#4: tls_ca_file must be a regular PEM file of at most 1 MiB: /dev/zero, a FIFO, junk and a huge file are refused")
    func caFile() throws {
        let fifo = directory.appendingPathComponent("ca-fifo").path
        #expect(mkfifo(fifo, 0o644) == 0)
        let good = try write("ca.pem", Data(Self.pem.utf8), mode: 0o644)
        let junk = try write("junk.pem", Data("not a certificate\n".utf8), mode: 0o644)
        let huge = try write("huge.pem", Data(repeating: UInt8(ascii: "A"), count: 1024 * 1024 + 1), mode: 0o644)
        let cases: [(String, String?)] = [
            (good, nil), ("/dev/zero", "is not a regular file (a character device)"), (fifo, "is not a regular file (a FIFO)"),
            (junk, "holds no PEM certificate"), (huge, "is larger than 1 MiB"), (directory.appendingPathComponent("missing").path, "does not exist"),
        ]
        for (path, expected) in cases {
            let found = secretProblems(
                ConfigurationTests.directory.appendingPathComponent("client-secret").path,
                extra: ("  url: ldaps://ldap.example.com\n", "  url: ldaps://ldap.example.com\n  tls_ca_file: \(path)\n"))
            if let expected {
                #expect(found.contains { $0.hasPrefix("directory.tls_ca_file: the file \(path) \(expected)") }, "\(path): \(found)")
            } else {
                #expect(found.isEmpty, "\(found)")
            }
        }
    }

    @Test("#17: the configuration file itself is a regular file of at most 1 MiB")
    func configurationFile() throws {
        let huge = try write("huge.yaml", Data(("# padding\n" + String(repeating: "#", count: 1024 * 1024)).utf8))
        let fifo = directory.appendingPathComponent("config-fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        for (path, expected) in [(huge, "is larger than 1 MiB"), (fifo, "is not a regular file (a FIFO)"), ("/dev/zero", "is not a regular file")] {
            #expect {
                try ConfigurationLoader(environment: [:]).load(path: path)
            } throws: { error in
                "\(error)".contains("the configuration file \(path) \(expected)")
            }
        }
        let valid = try write("valid.yaml", Data(ConfigurationTests.valid.utf8))
        #expect(throws: Never.self) { try ConfigurationLoader(environment: [:]).load(path: valid) }
    }
}

@Suite("Process hardening")
struct ProcessHardeningTests {
    @Test("#12: after apply() the process is not dumpable and its core limit is 0")
    func coreDumps() {
        ProcessHardening.apply()
        #expect(!ProcessHardening.isDumpable)
        var limit = rlimit()
        #expect(getrlimit(Int32(RLIMIT_CORE.rawValue), &limit) == 0)
        #expect(limit.rlim_cur == 0 && limit.rlim_max == 0)
    }
}

@Suite("Secrets in memory")
struct SecretMemoryTests {
    @Test("#12: a secret is one buffer, compared and hashed by value, never printed; its file's bytes are checked without a String copy")
    func secret() {
        let secret = Secret(bytes: Array("pässwörd".utf8))
        #expect(secret.exposedValue == "pässwörd")
        #expect(secret == Secret("pässwörd") && secret != Secret("password"))
        #expect(Set([secret, Secret("pässwörd")]).count == 1)
        #expect(secret.withBytes { Array($0) } == Array("pässwörd".utf8))
        #expect("\(secret)" == "<redacted>" && String(reflecting: secret) == "<redacted>")
        #expect(SecretFile.isUTF8(Data("pässwörd".utf8)[...]))
        #expect(!SecretFile.isUTF8(Data([0x70, 0xC3, 0x28])[...]))
    }
}
