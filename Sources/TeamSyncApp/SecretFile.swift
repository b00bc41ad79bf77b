import Foundation
import TeamSyncCore

/// Reads a secret from the file a `*_file` key names, or from `$CREDENTIALS_DIRECTORY/<name>`
/// (systemd `LoadCredential=`). The value never appears in a problem or a warning.
struct SecretFile {
    var environment: [String: String]

    /// The secret, or nil with a problem recorded.
    func read(key: ConfigNode, credential: String, required: Bool, warnings: inout [String]) -> Secret? {
        let path: String
        let origin: String
        if let named = key.string() {
            path = named
            origin = key.path
        } else if let directory = environment["CREDENTIALS_DIRECTORY"] {
            path = (directory as NSString).appendingPathComponent(credential)
            origin = "credential \(credential)"
            guard FileManager.default.fileExists(atPath: path) else {
                if required { key.report("is not set, and $CREDENTIALS_DIRECTORY has no credential \"\(credential)\"") }
                return nil
            }
        } else {
            if required { key.report("is required (or a systemd credential \"\(credential)\" in $CREDENTIALS_DIRECTORY)") }
            return nil
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            key.report("the file \(path) cannot be read")
            return nil
        }
        guard let text = String(data: data, encoding: .utf8) else {
            key.report("the file \(path) is not UTF-8 text")
            return nil
        }
        let value = text.trimmingCharacters(in: .newlines)
        guard !value.isEmpty else {
            key.report("the file \(path) is empty")
            return nil
        }
        if let mode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int, mode & 0o077 != 0 {
            warnings.append("\(origin): the secret file \(path) can be read by other users (mode \(String(mode, radix: 8))); chmod 600 it")
        }
        return Secret(value)
    }
}
