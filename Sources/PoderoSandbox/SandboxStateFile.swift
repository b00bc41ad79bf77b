import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The `--state` file: JSON Lines, one change per line (`{"user": …}`, `{"removed": ID}` or
/// `{"reset": true}`), appended before the reply goes out, so that a write costs the size of
/// what changed rather than of the whole organisation (rewriting every user on every create made
/// a first sync of N people cost N² encodings). On start the file is replayed and compacted to a
/// line per user. A file holding a JSON array of users (the earlier form) is read too.
struct SandboxStateFile: Sendable {
    /// One change to the users, as `SandboxState` records it.
    enum Change: Sendable {
        case put(SandboxUser)
        case remove(String)
        case reset
    }

    private struct Line: Codable {
        var user: SandboxUser?
        var removed: String?
        var reset: Bool?
    }

    let path: String

    /// The users the file holds, in the order they were first written; empty when it is missing.
    func load() throws -> [SandboxUser] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        if data.first(where: { !Self.isSpace($0) }) == UInt8(ascii: "[") {
            return try JSONDecoder().decode([SandboxUser].self, from: data)
        }
        var users: [String: SandboxUser] = [:]
        var order: [String] = []
        let decoder = JSONDecoder()
        for (number, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() where !line.allSatisfy(Self.isSpace) {
            let entry: Line
            do { entry = try decoder.decode(Line.self, from: Data(line)) } catch {
                throw SandboxStateFileError(path: path, line: number + 1, problem: "\(error)")
            }
            if entry.reset == true {
                users.removeAll()
                order.removeAll()
            } else if let id = entry.removed {
                users[id] = nil
            } else if let user = entry.user {
                if users[user.id] == nil { order.append(user.id) }
                users[user.id] = user
            }
        }
        var seen = Set<String>()
        return order.compactMap { id in seen.insert(id).inserted ? users[id] : nil }
    }

    /// Rewrites the file as one line per user (atomically: a new file renamed into place).
    func compact(_ users: [SandboxUser]) throws {
        var data = Data()
        for user in users { data.append(Self.encode(.put(user))) }
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Appends the changes, one line each. A failure is printed and the emulator goes on (a test
    /// double must not refuse the API call because its own file cannot be written).
    func append(_ changes: [Change]) {
        guard !changes.isEmpty else { return }
        var data = Data()
        for change in changes { data.append(Self.encode(change)) }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            FileHandle.standardError.write(Data("podero-sandbox: cannot open the state file: errno \(errno)\n".utf8))
            return
        }
        defer { close(fd) }
        data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else {
                    FileHandle.standardError.write(Data("podero-sandbox: cannot write the state file: errno \(errno)\n".utf8))
                    return
                }
                offset += written
            }
        }
    }

    private static func encode(_ change: Change) -> Data {
        let line: Line
        switch change {
        case .put(let user): line = Line(user: user)
        case .remove(let id): line = Line(removed: id)
        case .reset: line = Line(reset: true)
        }
        let encoder = JSONEncoder()
        encoder.userInfo[SandboxUser.includeDeletedFlag] = true
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = (try? encoder.encode(line)) ?? Data("{}".utf8)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 }
}

/// A line of the state file that is not a change.
struct SandboxStateFileError: Error, CustomStringConvertible {
    let path: String
    let line: Int
    let problem: String
    var description: String { "\(path), line \(line): not a state change (\(problem))" }
}
