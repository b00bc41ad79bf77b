import Foundation

/// Writes a report (`review --html`, `--output`) whole or not at all: into a new private file
/// (0600) beside the target, then renamed over it. The target must be new or a regular file,
/// never a link or a device; a reader never sees half a page.
package enum ReportFile {
    package struct Problem: Error, CustomStringConvertible {
        package var description: String
    }

    package static func write(_ text: String, to path: String) throws(Problem) {
        var info = stat()
        if lstat(path, &info) == 0, info.st_mode & S_IFMT != S_IFREG {
            let kind = info.st_mode & S_IFMT == S_IFLNK ? "a symbolic link" : "not a regular file"
            throw Problem(description: "\(path) is \(kind); name a new or regular file")
        }
        let temporary = path + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0o600)
        guard descriptor >= 0 else { throw Problem(description: "\(path) cannot be written (\(String(cString: strerror(errno))))") }
        var failure = writeAll(Array(text.utf8), to: descriptor)
        close(descriptor)
        if failure == 0, rename(temporary, path) != 0 { failure = errno }
        if failure != 0 {
            unlink(temporary)
            throw Problem(description: "\(path) cannot be written (\(String(cString: strerror(failure))))")
        }
    }

    /// Writes all of `bytes` to `descriptor` (a short write is continued, EINTR retried), then
    /// flushes it to the disk. Returns 0, or the errno of the failure.
    static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Int32 {
        var written = 0
        var failure: Int32 = 0
        bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
                let count = Foundation.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if count < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                written += count
            }
        }
        if failure == 0, fsync(descriptor) != 0 { failure = errno }
        return failure
    }
}
