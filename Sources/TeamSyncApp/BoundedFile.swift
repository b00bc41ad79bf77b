import CPosixExtras
import Foundation

/// Reads a file the configuration names, complete-or-error: after links it must be a regular
/// file no larger than `limit`. It is opened without blocking (a FIFO never hangs the read) and
/// checked on the open descriptor, so a file swapped between check and read is still checked.
struct BoundedFile {
    /// What was found at the path.
    struct Opened {
        var data: Data
        var owner: uid_t
        var mode: mode_t
        /// The entries of a POSIX access ACL, when the file has one.
        var acl: [ACLEntry]?
    }

    /// One entry of a POSIX access ACL (`system.posix_acl_access`).
    struct ACLEntry: Equatable {
        enum Tag: UInt16 { case userObject = 0x01, user = 0x02, groupObject = 0x04, group = 0x08, mask = 0x10, other = 0x20 }
        var tag: Tag
        var permissions: UInt16
        var id: UInt32
    }

    /// Why a file was refused; the text completes "the file <path> …".
    struct Refusal: Error, Equatable, CustomStringConvertible {
        var description: String
    }

    var path: String
    var limit: Int

    /// Opens, checks and reads the file.
    func read() throws(Refusal) -> Opened {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard descriptor >= 0 else {
            let reason = errno == ENOENT ? "does not exist" : "cannot be read (\(String(cString: strerror(errno))))"
            throw Refusal(description: reason)
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw Refusal(description: "cannot be examined (\(String(cString: strerror(errno))))") }
        guard info.st_mode & S_IFMT == S_IFREG else { throw Refusal(description: "is not a regular file (\(Self.kind(info.st_mode)))") }
        guard info.st_size <= limit else { throw Refusal(description: "is larger than \(Self.size(limit)) (\(info.st_size) bytes)") }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while data.count <= limit {
            let count = buffer.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw Refusal(description: "cannot be read (\(String(cString: strerror(errno))))") }
            if count == 0 { break }
            data.append(contentsOf: buffer[0..<count])
        }
        buffer.withUnsafeMutableBytes { explicit_bzero($0.baseAddress!, $0.count) }  // it may have held a secret
        guard data.count <= limit else { throw Refusal(description: "is larger than \(Self.size(limit))") }
        return Opened(data: data, owner: info.st_uid, mode: info.st_mode & 0o7777, acl: Self.accessACL(descriptor))
    }

    /// "1 MiB", "64 KiB".
    static func size(_ bytes: Int) -> String {
        bytes % (1024 * 1024) == 0 ? "\(bytes / 1024 / 1024) MiB" : "\(bytes / 1024) KiB"
    }

    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: "a directory"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFIFO: "a FIFO"
        case S_IFSOCK: "a socket"
        default: "not a regular file"
        }
    }

    /// The access ACL of an open file, parsed from its extended attribute (version 2: a 4-byte
    /// header, then 8-byte entries of tag, permissions and id, little-endian); nil without one.
    static func accessACL(_ descriptor: Int32) -> [ACLEntry]? {
        var bytes = [UInt8](repeating: 0, count: 4096)
        let count = bytes.withUnsafeMutableBytes { fgetxattr(descriptor, "system.posix_acl_access", $0.baseAddress, $0.count) }
        guard count >= 4 else { return nil }
        return parseACL(Array(bytes[0..<count]))
    }

    /// Parses the `system.posix_acl_access` value; an unknown tag is kept as a `user` entry with
    /// every permission, so that it is never taken for a harmless one.
    static func parseACL(_ bytes: [UInt8]) -> [ACLEntry] {
        func little<T: FixedWidthInteger>(_ offset: Int, _: T.Type) -> T {
            var value: T = 0
            for index in 0..<MemoryLayout<T>.size { value |= T(bytes[offset + index]) << (8 * index) }
            return value
        }
        var entries: [ACLEntry] = []
        var offset = 4
        while offset + 8 <= bytes.count {
            let rawTag = little(offset, UInt16.self)
            let tag = ACLEntry.Tag(rawValue: rawTag)
            entries.append(ACLEntry(
                tag: tag ?? .user, permissions: tag == nil ? 7 : little(offset + 2, UInt16.self),
                id: tag == nil ? UInt32.max : little(offset + 4, UInt32.self)))
            offset += 8
        }
        return entries
    }
}
