import Foundation
import SyncJournal
import TeamSyncCore

/// `audit export` and `audit verify`, from the journal alone (opened read-only).
package struct AuditTool: Sendable {
    package var environment: CommandEnvironment

    package init(environment: CommandEnvironment) {
        self.environment = environment
    }

    /// What a command prints and how it exits.
    package struct Result: Sendable {
        package var status: ExitStatus
        /// For stdout on success, stderr otherwise (nil: nothing to print).
        package var message: String?
    }

    /// Streams the records between `since` and `until` (inclusive) to `output`, or to stdout.
    /// `--output` must be a new or regular file, never a link or a device: it is opened in
    /// place (no rename over whatever is there), created with mode 0600. On a write error (a
    /// full disk) the partial file is removed and the command exits 1 saying why.
    package func export(format: AuditExport.Format, since: Date?, until: Date?, output: String?) async -> Result {
        let descriptor: Int32
        if let output {
            switch Self.openOutput(output) {
            case .success(let opened): descriptor = opened
            case .failure(let problem): return Result(status: .fatal, message: "--output \(output) \(problem.reason)")
            }
        } else {
            descriptor = STDOUT_FILENO
        }
        defer { if output != nil { close(descriptor) } }
        do {
            let writer = try AuditExport(format: format, descriptor: descriptor)
            try await environment.openJournalReadOnly()?.forEachAuditRecord(since: since, until: until) { try writer.write($0) }
            try writer.finish()
            return Result(status: .success, message: nil)
        } catch {
            if let output { unlink(output) }
            return Result(status: .fatal, message: "audit export failed\(output.map { " (the partial \($0) was removed)" } ?? ""): \(error)")
        }
    }

    private struct OutputProblem: Error {
        var reason: String
    }

    /// Opens (creating with 0600, or truncating) a regular file; links, devices, FIFOs and
    /// directories are refused before anything is written.
    private static func openOutput(_ path: String) -> Swift.Result<Int32, OutputProblem> {
        var info = stat()
        if lstat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFREG else {
                let kind = info.st_mode & S_IFMT == S_IFLNK ? "a symbolic link" : "not a regular file"
                return .failure(OutputProblem(reason: "is \(kind); name a new or regular file"))
            }
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0o600)
        guard descriptor >= 0 else { return .failure(OutputProblem(reason: "cannot be written (\(String(cString: strerror(errno))))")) }
        var opened = stat()
        guard fstat(descriptor, &opened) == 0, opened.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            return .failure(OutputProblem(reason: "is not a regular file; name a new or regular file"))
        }
        return .success(descriptor)
    }

    /// Recomputes the hash chain, then checks the journal's checkpoints and those of
    /// `checkpointsFile` ("-": stdin), with signatures when `publicKeyFile` is given.
    package func verify(publicKeyFile: String? = nil, checkpointsFile: String? = nil) async -> Result {
        do {
            let key = try publicKeyFile.map(Self.readPublicKey)
            let external = try checkpointsFile.map(Self.readCheckpoints) ?? []
            guard let journal = try environment.openJournalReadOnly() else {
                if !external.isEmpty {
                    return Result(status: .fatal, message: "audit log missing: there is no journal at journal.path, but \(external.count) checkpoints were given")
                }
                return Result(status: .success, message: "audit log intact: 0 records (no journal yet)")
            }
            let records: Int64
            switch try await journal.verifyAudit() {
            case .intact(let count):
                records = count
            case .broken(let seq, let reason):
                return Result(status: .fatal, message: "audit log broken at seq \(seq): \(reason)")
            }
            let stored = try await journal.storedCheckpoints()
            var problems = stored.unreadable.map { "the checkpoint record at seq \($0) does not hold a checkpoint" }
            let all = stored.checkpoints.map { ($0, "the journal's") } + external.map { ($0, "given") }
            let findings = try await journal.check(all.map(\.0), key: key)
            for ((checkpoint, origin), finding) in zip(all, findings) {
                if let problem = Self.describe(finding, checkpoint, origin: origin) { problems.append(problem) }
            }
            guard problems.isEmpty else {
                return Result(status: .fatal, message: (["audit log fails \(problems.count) checkpoint check\(problems.count == 1 ? "" : "s"):"]
                    + problems.map { "  " + $0 }).joined(separator: "\n"))
            }
            var message = "audit log intact: \(records) records"
            if !all.isEmpty {
                let latest = all.map(\.0.seq).max() ?? 0
                message += "; \(all.count) checkpoint\(all.count == 1 ? "" : "s") hold (\(stored.checkpoints.count) in the journal, \(external.count) given; the latest at seq \(latest))"
                message += key.map { ", signed by key \($0.fingerprint)" } ?? ", signatures not checked (no --public-key)"
            } else if key != nil || checkpointsFile != nil {
                message += "; no checkpoints to check"
            }
            return Result(status: .success, message: message)
        } catch let error as VerifyInput {
            return Result(status: .fatal, message: error.description)
        } catch {
            return Result(status: .fatal, message: "audit verify failed: \(error)")
        }
    }

    private static func describe(_ finding: SyncJournal.CheckpointFinding, _ checkpoint: AuditCheckpoint, origin: String) -> String? {
        let name = "\(origin) checkpoint of \(checkpoint.time.escapingControlCharacters) (seq \(checkpoint.seq))"
        switch finding {
        case .holds: return nil
        case .unsigned: return "\(name) is unsigned"
        case .notSignedByKey: return "\(name) is not signed by the given key: forged, or signed by another key"
        case .otherJournal(let id):
            return "\(name) is of journal \(checkpoint.journalID.escapingControlCharacters), but this database is journal \(id): the database was replaced"
        case .beyondHead(let head):
            return "\(name) saw \(checkpoint.seq) records, but the log ends at seq \(head): records were cut from its end, or the database was restored from an older copy"
        case .otherRecord:
            return "\(name): the record at seq \(checkpoint.seq) is not the one it saw: the log was replaced or rewritten from there"
        }
    }

    /// A problem with what `audit verify` was given (the key, the checkpoint lines).
    struct VerifyInput: Error, CustomStringConvertible {
        var description: String
    }

    private static func readPublicKey(_ path: String) throws -> AuditPublicKey {
        let file: BoundedFile.Opened
        do throws(BoundedFile.Refusal) {
            file = try BoundedFile(path: path, limit: 64 * 1024).read()
        } catch {
            throw VerifyInput(description: "--public-key \(path) \(error)")
        }
        guard let key = AuditPublicKey(text: String(decoding: file.data, as: UTF8.self)) else {
            throw VerifyInput(description: "--public-key \(path) is not an Ed25519 public key (PEM, as audit keygen writes FILE.pub)")
        }
        return key
    }

    /// The most checkpoint lines `--checkpoints` reads: 64 MiB (what the appending side allows).
    static let checkpointsLimit = 64 << 20

    /// Every line holding a checkpoint; other lines (the rest of a log) are passed over.
    private static func readCheckpoints(_ path: String) throws -> [AuditCheckpoint] {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readData(ofLength: checkpointsLimit + 1)
            guard data.count <= checkpointsLimit else { throw VerifyInput(description: "--checkpoints -: more than 64 MiB on stdin") }
        } else {
            do throws(BoundedFile.Refusal) {
                data = try BoundedFile(path: path, limit: checkpointsLimit).read().data
            } catch {
                throw VerifyInput(description: "--checkpoints \(path) \(error)")
            }
        }
        let lines = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
        let checkpoints = lines.compactMap { $0.contains("journal_id") ? AuditCheckpoint.parse(line: String($0)) : nil }
        guard !checkpoints.isEmpty else {
            throw VerifyInput(description: "--checkpoints \(path) holds no checkpoint line (as written to journal.checkpoint_file or logged as \"audit checkpoint\")")
        }
        return checkpoints
    }

    /// `audit keygen --output FILE`: a new key in FILE (0600, never over an existing file) and its
    /// public half in FILE.pub (0644); the public key is printed.
    package static func keygen(output: String) -> Result {
        let key = AuditSigningKey()
        let publicPath = output + ".pub"
        for path in [output, publicPath] where FileManager.default.fileExists(atPath: path) || (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) != nil {
            return Result(status: .fatal, message: "audit keygen: \(path) exists; it is never overwritten (move it away, or name another FILE)")
        }
        do {
            try create(output, key.fileText + "\n", mode: 0o600)
        } catch {
            return Result(status: .fatal, message: "audit keygen: \(output) cannot be written: \(error)")
        }
        do {
            try create(publicPath, key.publicKey.pem, mode: 0o644)
        } catch {
            unlink(output)
            return Result(status: .fatal, message: "audit keygen: \(publicPath) cannot be written (\(output) was removed again): \(error)")
        }
        return Result(status: .success, message: key.publicKey.pem + "private key: \(output) (0600); public key: \(publicPath) (key \(key.publicKey.fingerprint))")
    }

    private static func create(_ path: String, _ text: String, mode: mode_t) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw VerifyInput(description: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        let failure = fchmod(descriptor, mode) == 0 ? ReportFile.writeAll(Array(text.utf8), to: descriptor) : errno
        guard failure == 0 else {
            unlink(path)  // no half-written key left behind
            throw VerifyInput(description: String(cString: strerror(failure)))
        }
    }

    /// `--since` / `--until`: RFC 3339, or a bare date meaning that whole UTC day.
    package static func parseTime(_ text: String, endOfDay: Bool) -> Date? {
        if let date = AuditTime.parse(text) { return date }
        guard text.count == 10, let day = AuditTime.parse(text + "T00:00:00Z") else { return nil }
        return endOfDay ? day.addingTimeInterval(86_399) : day
    }
}
