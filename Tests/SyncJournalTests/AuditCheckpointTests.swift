import Foundation
import GRDB
import TeamSyncCore
import Testing
@testable import SyncJournal

@Suite("Audit checkpoints: signed heads that expose a cut tail, an older copy, a replaced database, a forgery")
struct AuditCheckpointTests {
    static let time = Date(timeIntervalSince1970: 1_800_000_000)

    private func run(_ journal: SyncJournal, _ id: String, records: Int) async throws {
        try await journal.append((0..<records).map { index in
            AuditRecord(time: Self.time.addingTimeInterval(Double(index)), runID: id, action: index == 0 ? .runStarted : .skip, outcome: .ok,
                externalUserID: "e-\(index)", reason: "=HYPERLINK(\"x\") \u{1B}[2J")
        })
    }

    @Test("a checkpoint names the head after a run, once; it is signed, kept as a record, and reads back from every form it is written in")
    func made() async throws {
        let temporary = try TemporaryJournal()
        defer { temporary.remove() }
        let key = AuditSigningKey()
        #expect(try await temporary.journal.appendCheckpoint(runID: "r0", key: key, now: Self.time) == nil)  // an empty log
        try await run(temporary.journal, "r1", records: 3)
        let head = try #require(try await temporary.journal.auditHead())
        let checkpoint = try #require(try await temporary.journal.appendCheckpoint(runID: "r1", key: key, now: Self.time))
        #expect(checkpoint.seq == 3 && checkpoint.headHash == head.hash)
        #expect(checkpoint.journalID == (try await temporary.journal.journalID()))
        #expect(UUID(uuidString: checkpoint.journalID) != nil)
        #expect(checkpoint.isSigned(by: key.publicKey))
        #expect(!checkpoint.isSigned(by: AuditSigningKey().publicKey))
        #expect(try await temporary.journal.appendCheckpoint(runID: "r1", key: key, now: Self.time) == nil, "nothing new since")
        #expect(try await temporary.journal.verifyAudit() == .intact(records: 4))
        let stored = try await temporary.journal.storedCheckpoints()
        #expect(stored.checkpoints == [checkpoint] && stored.unreadable.isEmpty)

        #expect(checkpoint.line.hasPrefix(#"{"head_hash":""#) && checkpoint.line.contains(#""seq":3,"time":"2027-01-15T08:00:00Z","signature":""#))
        #expect(AuditCheckpoint.parse(line: checkpoint.line) == checkpoint)
        let logfmt = #"level=notice msg="audit checkpoint" checkpoint="\#(checkpoint.line.replacingOccurrences(of: "\"", with: "\\\""))" seq=3 signed=true"#
        #expect(AuditCheckpoint.parse(line: logfmt) == checkpoint)
        let jsonLog = String(data: try JSONSerialization.data(withJSONObject: ["level": "notice", "msg": "audit checkpoint", "checkpoint": checkpoint.line]), encoding: .utf8)!
        #expect(AuditCheckpoint.parse(line: jsonLog) == checkpoint)
        #expect(AuditCheckpoint.parse(line: "level=notice msg=\"cycle finished\"") == nil)
        #expect(AuditCheckpoint.parse(line: checkpoint.line.replacingOccurrences(of: checkpoint.headHash, with: "xyz")) == nil)

        let unsigned = AuditCheckpoint(journalID: "j", seq: 1, headHash: String(repeating: "a", count: 64), time: "t")
        #expect(unsigned.line.hasSuffix(#","signature":null}"#) && AuditCheckpoint.parse(line: unsigned.line) == unsigned)
    }

    @Test("keys: the one-line file form and the PEM public key read back; anything else is refused")
    func keys() throws {
        let key = AuditSigningKey()
        let again = try #require(AuditSigningKey(text: key.fileText))
        #expect(again.publicKey.pem == key.publicKey.pem)
        #expect(key.publicKey.pem.hasPrefix("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA"))
        #expect(AuditPublicKey(text: key.publicKey.pem)?.fingerprint == key.publicKey.fingerprint)
        #expect(key.publicKey.fingerprint.count == 16)
        #expect(AuditSigningKey(text: "not a key") == nil)
        #expect(AuditSigningKey(text: key.publicKey.pem) == nil, "a public key is not a signing key")
        #expect(AuditPublicKey(text: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----") == nil)
        #expect(!String(describing: key).contains(key.fileText.prefix(24)))
    }

    @Test("the attacks: a cut tail, an older copy, another journal, a forged or unsigned checkpoint — each named")
    func attacks() async throws {
        let temporary = try TemporaryJournal()
        defer { temporary.remove() }
        let key = AuditSigningKey()
        try await run(temporary.journal, "r1", records: 3)
        let first = try #require(try await temporary.journal.appendCheckpoint(runID: "r1", key: key, now: Self.time))
        try await run(temporary.journal, "r2", records: 2)
        let second = try #require(try await temporary.journal.appendCheckpoint(runID: "r2", key: key, now: Self.time))
        #expect(second.seq == 6)
        for checkpoint in [first, second] { #expect(try await temporary.journal.check(checkpoint, key: key.publicKey) == .holds) }

        // Forged: the attacker's own key, or a signature moved onto other content.
        let forged = try AuditCheckpoint(journalID: first.journalID, seq: 2, headHash: first.headHash, time: first.time).signed(with: AuditSigningKey())
        #expect(try await temporary.journal.check(forged, key: key.publicKey) == .notSignedByKey)
        var moved = second
        moved.seq = 5
        #expect(try await temporary.journal.check(moved, key: key.publicKey) == .notSignedByKey)
        let unsigned = try first.signed(with: nil)
        #expect(try await temporary.journal.check(unsigned, key: key.publicKey) == .unsigned)
        #expect(try await temporary.journal.check(unsigned, key: nil) == .holds, "without a key only the journal is compared")

        // A replaced database: another journal id.
        let other = try TemporaryJournal()
        defer { other.remove() }
        try await run(other.journal, "x", records: 7)
        #expect(try await other.journal.check(second, key: key.publicKey) == .otherJournal(try await other.journal.journalID()))

        // A cut tail, as an attacker with the file would (the triggers dropped first).
        try await temporary.journal.database.write { db in
            try db.execute(sql: "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq > 4")
        }
        #expect(try await temporary.journal.verifyAudit() == .intact(records: 4), "the chain alone does not see it")
        #expect(try await temporary.journal.check(second, key: key.publicKey) == .beyondHead(head: 4))
        #expect(try await temporary.journal.check(first, key: key.publicKey) == .holds)
        // Then new records over the cut: the seq exists again, with another record.
        try await run(temporary.journal, "r3", records: 3)
        #expect(try await temporary.journal.check(second, key: key.publicKey) == .otherRecord)
    }
}
