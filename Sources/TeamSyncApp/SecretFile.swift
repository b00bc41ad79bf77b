import Foundation
import TeamSyncCore

/// Reads a secret from the file a `*_file` key names, or from `$CREDENTIALS_DIRECTORY/<name>`
/// (systemd `LoadCredential=`). After links the file must be a regular file of at most 64 KiB,
/// owned by root or the running user, private to its owner (mode bits, or an access ACL that
/// grants nobody else anything, as systemd writes credentials), and one line without NUL.
/// Anything else is a problem naming the key. The value never appears in a problem.
struct SecretFile {
    static let limit = 64 * 1024
    var environment: [String: String]
    /// Who may own a secret file: root and the running user.
    var owners: Set<uid_t> = [0, geteuid()]

    /// The secret, or nil with a problem recorded.
    func read(key: ConfigNode, credential: String, required: Bool) -> Secret? {
        let path: String
        if let named = key.string() {
            path = named
        } else if let directory = environment["CREDENTIALS_DIRECTORY"] {
            if let problem = checkDirectory(directory) {
                key.report("$CREDENTIALS_DIRECTORY \(directory) \(problem)")
                return nil
            }
            path = (directory as NSString).appendingPathComponent(credential)
            guard FileManager.default.fileExists(atPath: path) else {
                if required { key.report("is not set, and $CREDENTIALS_DIRECTORY has no credential \"\(credential)\"") }
                return nil
            }
        } else {
            if required { key.report("is required (or a systemd credential \"\(credential)\" in $CREDENTIALS_DIRECTORY)") }
            return nil
        }
        do throws(BoundedFile.Refusal) {
            var file = try BoundedFile(path: path, limit: Self.limit).read()
            defer { file.data.resetBytes(in: 0..<file.data.count) }  // no second copy left behind
            return try value(file)
        } catch {
            key.report("the secret file \(path) \(error)")
            return nil
        }
    }

    private func value(_ file: BoundedFile.Opened) throws(BoundedFile.Refusal) -> Secret {
        guard owners.contains(file.owner) else {
            throw .init(description: "is owned by user \(file.owner), not by root or the user the daemon runs as; chown it")
        }
        if let reason = exposure(file) { throw .init(description: "\(reason); chmod 600 it") }
        // Checked as bytes, so that the secret is copied once: into its `Secret`.
        var line = file.data[...]
        if line.last == UInt8(ascii: "\n") { line = line.dropLast() }
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        guard !line.contains(where: { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }) else {
            throw .init(description: "has more than one line; a secret file holds one line")
        }
        guard !line.contains(0) else { throw .init(description: "contains a NUL byte") }
        guard !line.isEmpty else { throw .init(description: "is empty") }
        guard Self.isUTF8(line) else {
            throw .init(description: "is not UTF-8 text")
        }
        return Secret(bytes: line)
    }

    /// Whether `bytes` are UTF-8, checked without building a String (a copy of the secret).
    static func isUTF8(_ bytes: Data.SubSequence) -> Bool {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    /// Why others may read or change the file, or nil when only its owner can.
    private func exposure(_ file: BoundedFile.Opened) -> String? {
        let mode = String(file.mode, radix: 8)
        guard let acl = file.acl else {
            return file.mode & 0o077 == 0 ? nil : "can be read or changed by other users (mode \(mode))"
        }
        for entry in acl {
            switch entry.tag {
            case .userObject, .mask: continue
            case .user where owners.contains(entry.id): continue
            case .user: if entry.permissions != 0 { return "is opened to user \(entry.id) by an ACL" }
            case .groupObject, .group: if entry.permissions != 0 { return "is opened to a group by an ACL (mode \(mode))" }
            case .other: if entry.permissions != 0 { return "can be read or changed by other users (mode \(mode))" }
            }
        }
        return nil
    }

    /// The credentials directory must be a directory of root or the running user that others cannot change.
    private func checkDirectory(_ directory: String) -> String? {
        var info = stat()
        guard stat(directory, &info) == 0 else { return "cannot be examined (\(String(cString: strerror(errno))))" }
        guard info.st_mode & S_IFMT == S_IFDIR else { return "is not a directory" }
        guard owners.contains(info.st_uid) else { return "is owned by user \(info.st_uid), not by root or the user the daemon runs as" }
        guard info.st_mode & 0o002 == 0 else { return "can be changed by every user (mode \(String(info.st_mode & 0o7777, radix: 8)))" }
        return nil
    }
}
