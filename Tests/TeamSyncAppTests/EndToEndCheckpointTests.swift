import Foundation
import Testing

/// Issue 13: what the hash chain alone cannot see, each shown passing `audit verify` without the
/// checkpoints (before) and caught with them (after), on a journal written by real runs.
@Suite("End to end: audit checkpoints catch a cut tail, an older copy, a replaced database and a forgery", .serialized)
struct EndToEndCheckpointTests {
    private func shell(_ executable: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try World.run("/usr/bin/env", [executable] + arguments)
    }

    private func sqlite(_ path: String, _ sql: String) throws -> String {
        let result = try shell("sqlite3", [path, sql])
        #expect(result.status == 0, "sqlite3: \(result.stderr)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Puts `copy` in place of the journal (what an attacker with the file does).
    private func replaceJournal(_ world: World, with copy: String) throws {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: world.journalPath + suffix) }
        try FileManager.default.copyItem(atPath: copy, toPath: world.journalPath)
    }

    @Test("keygen, two signed runs, then each attack: the chain alone says intact, the checkpoints name it; the Python verifier checks the signatures")
    func attacks() throws {
        let world = try World()
        defer { world.stop() }
        let key = world.directory.appendingPathComponent("audit-signing-key").path
        let publicKey = key + ".pub"
        let keygen = try world.cli(["audit", "keygen", "--output", key], config: false)
        #expect(keygen.status == 0, "\(keygen.stderr)")
        #expect(keygen.stdout.hasPrefix("-----BEGIN PUBLIC KEY-----\n"))
        #expect((try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int) == 0o600)
        let again = try world.cli(["audit", "keygen", "--output", key], config: false)
        #expect(again.status == 1 && again.stderr.contains("exists; it is never overwritten"))

        let checkpointFile = world.directory.appendingPathComponent("checkpoints.log").path
        try world.writeConfig(extra: "  checkpoint_key_file: \(key)\n  checkpoint_file: \(checkpointFile)")
        let first = try world.cli(["sync"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains(#"msg="audit checkpoint""#) && first.stderr.contains("signed=true"))
        let older = world.directory.appendingPathComponent("older.sqlite").path
        _ = try sqlite(world.journalPath, ".backup '\(older)'")
        try world.ldapModify("""
            dn: cn=podero-staff,ou=groups,dc=example,dc=com
            changetype: modify
            add: member
            member: uid=user00011,ou=people,dc=example,dc=com
            """)
        let second = try world.cli(["sync"])
        #expect(second.status == 0, "\(second.stderr)")
        let lines = try String(contentsOfFile: checkpointFile, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        let seqs = try sqlite(world.journalPath, "SELECT seq FROM audit_log WHERE action = 'checkpoint' ORDER BY seq").split(separator: "\n").compactMap { Int($0) }
        #expect(seqs.count == 2)
        let firstCheckpointRecord = try #require(seqs.first)

        let verify = ["audit", "verify", "--public-key", publicKey, "--checkpoints", checkpointFile]
        let intact = try world.cli(verify)
        #expect(intact.status == 0, "\(intact.stderr)")
        #expect(intact.stdout.contains("4 checkpoints hold (2 in the journal, 2 given"), "\(intact.stdout)")
        // The journald copy: the log lines of both runs, as `journalctl -o cat` shows them.
        let logCopy = world.directory.appendingPathComponent("journald.txt").path
        try (first.stderr + second.stderr).write(toFile: logCopy, atomically: true, encoding: .utf8)
        #expect(try world.cli(["audit", "verify", "--public-key", publicKey, "--checkpoints", logCopy]).status == 0)

        // The independent check of an export (Python, openssl).
        let script = World.repository.appendingPathComponent("Scripts/verify-audit-export.py").path
        let attackerKey = world.directory.appendingPathComponent("attacker.pem").path
        #expect(try shell("openssl", ["genpkey", "-algorithm", "ed25519", "-out", attackerKey]).status == 0)
        let attackerPublic = attackerKey + ".pub"
        #expect(try shell("openssl", ["pkey", "-in", attackerKey, "-pubout", "-out", attackerPublic]).status == 0)
        for format in ["jsonl", "csv"] {
            let export = world.directory.appendingPathComponent("audit.\(format)").path
            #expect(try world.cli(["audit", "export", "--format", format, "--output", export]).status == 0)
            let python = try shell("python3", [script, "--public-key", publicKey, export])
            #expect(python.status == 0 && python.stdout.contains("checkpoints: 2 hold"), "\(python.stdout)\(python.stderr)")
            let wrongKey = try shell("python3", [script, "--public-key", attackerPublic, export])
            #expect(wrongKey.status == 1 && wrongKey.stdout.contains("signature is not the key's"), "\(wrongKey.stdout)")
        }

        let pristine = world.directory.appendingPathComponent("pristine.sqlite").path
        _ = try sqlite(world.journalPath, ".backup '\(pristine)'")

        // 1. The tail cut with sqlite3, the trigger that forbids it dropped first.
        let cut = world.directory.appendingPathComponent("cut.sqlite").path
        try FileManager.default.copyItem(atPath: pristine, toPath: cut)
        _ = try sqlite(cut, "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq > \(firstCheckpointRecord);")
        try replaceJournal(world, with: cut)
        #expect(try world.cli(["audit", "verify"]).status == 0, "before: the chain alone sees nothing")
        let cutFound = try world.cli(verify)
        #expect(cutFound.status == 1)
        #expect(cutFound.stderr.contains("records were cut from its end, or the database was restored from an older copy"), "\(cutFound.stderr)")

        // 2. The database restored from the copy taken after the first run.
        try replaceJournal(world, with: older)
        #expect(try world.cli(["audit", "verify"]).status == 0, "before: an older copy is a chain that checks")
        let olderFound = try world.cli(verify)
        #expect(olderFound.status == 1 && olderFound.stderr.contains("restored from an older copy"), "\(olderFound.stderr)")

        // 3. A forged checkpoint for the cut log, signed with the attacker's own key (openssl),
        //    in place of the checkpoint file's lines; and an unsigned one.
        try replaceJournal(world, with: cut)
        let head = try sqlite(world.journalPath, "SELECT seq || ' ' || hash FROM audit_log ORDER BY seq DESC LIMIT 1").split(separator: " ")
        let journalID = try sqlite(world.journalPath, "SELECT value FROM journal_meta WHERE key = 'journal_id'")
        let time = "2030-01-01T00:00:00Z"
        let signed = #"{"head_hash":"\#(head[1])","journal_id":"\#(journalID)","seq":\#(head[0]),"time":"\#(time)"}"#
        let message = world.directory.appendingPathComponent("forged.msg").path
        try signed.write(toFile: message, atomically: true, encoding: .utf8)
        let signature = world.directory.appendingPathComponent("forged.sig").path
        #expect(try shell("openssl", ["pkeyutl", "-sign", "-inkey", attackerKey, "-rawin", "-in", message, "-out", signature]).status == 0)
        let forgedSignature = try Data(contentsOf: URL(fileURLWithPath: signature)).base64EncodedString()
        let forgedFile = world.directory.appendingPathComponent("forged.log").path
        try (String(signed.dropLast()) + #","signature":"\#(forgedSignature)"}"# + "\n").write(toFile: forgedFile, atomically: true, encoding: .utf8)
        #expect(try world.cli(["audit", "verify", "--checkpoints", forgedFile]).status == 0, "before: without the key a forgery agrees")
        let forgedFound = try world.cli(["audit", "verify", "--public-key", publicKey, "--checkpoints", forgedFile])
        #expect(forgedFound.status == 1 && forgedFound.stderr.contains("is not signed by the given key: forged"), "\(forgedFound.stderr)")
        let unsignedFile = world.directory.appendingPathComponent("unsigned.log").path
        try (String(signed.dropLast()) + #","signature":null}"# + "\n").write(toFile: unsignedFile, atomically: true, encoding: .utf8)
        let unsignedFound = try world.cli(["audit", "verify", "--public-key", publicKey, "--checkpoints", unsignedFile])
        #expect(unsignedFound.status == 1 && unsignedFound.stderr.contains("is unsigned"), "\(unsignedFound.stderr)")

        // 4. A new database in place of the journal (a dry run makes one, with records of its own).
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: world.journalPath + suffix) }
        #expect(try world.cli(["sync", "--dry-run"]).status == 0)
        #expect(try world.cli(["audit", "verify"]).status == 0, "before: a new log checks")
        let replaced = try world.cli(verify)
        #expect(replaced.status == 1 && replaced.stderr.contains("the database was replaced"), "\(replaced.stderr)")

        // Bad input to verify is named.
        let notAKey = try world.cli(["audit", "verify", "--public-key", checkpointFile])
        #expect(notAKey.status == 1 && notAKey.stderr.contains("is not an Ed25519 public key"))
        let noLines = try world.cli(["audit", "verify", "--checkpoints", publicKey])
        #expect(noLines.status == 1 && noLines.stderr.contains("holds no checkpoint line"))
    }
}
