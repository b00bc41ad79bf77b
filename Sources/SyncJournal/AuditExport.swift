import Foundation
import Synchronization
import TeamSyncCore

/// Writes audit records as JSON Lines (byte-faithful) or CSV (RFC 4180, formula-safe: see
/// `csvField`), field order as CONTRACT.md, through a small buffer so that exports of any size stream. Every write error (a full disk, a closed
/// pipe) is thrown, never a crash.
package final class AuditExport: Sendable {
    /// A write that failed, with the system's reason.
    package struct WriteError: Error, CustomStringConvertible {
        package var reason: String
        package var description: String { "writing failed: \(reason)" }
    }

    /// The two export formats.
    package enum Format: String, Sendable, CaseIterable {
        case jsonl, csv
    }

    private let format: Format
    private let descriptor: Int32
    private let buffer = Mutex(Data())
    private static let flushSize = 1 << 16

    /// Creates a writer to an open file descriptor (1 for stdout); CSV starts with its header line.
    package init(format: Format, descriptor: Int32) throws {
        self.format = format
        self.descriptor = descriptor
        if format == .csv { try write(AuditRecord.fieldNames.joined(separator: ",") + "\r\n") }
    }

    /// Writes one record.
    package func write(_ record: AuditRecord) throws {
        switch format {
        case .jsonl: try write(Self.jsonLine(record) + "\n")
        case .csv: try write(Self.csvLine(record) + "\r\n")
        }
    }

    /// Writes what is buffered, and makes sure a file has it (fsync; pipes and terminals need not).
    package func finish() throws {
        let pending = buffer.withLock { data -> Data in
            defer { data.removeAll(keepingCapacity: true) }
            return data
        }
        try Self.writeAll(pending, to: descriptor)
        if fsync(descriptor) != 0, errno != EINVAL, errno != EROFS { throw WriteError(reason: String(cString: strerror(errno))) }
    }

    private func write(_ text: String) throws {
        let full = buffer.withLock { data -> Data? in
            data.append(contentsOf: text.utf8)
            guard data.count >= Self.flushSize else { return nil }
            defer { data.removeAll(keepingCapacity: true) }
            return data
        }
        if let full { try Self.writeAll(full, to: descriptor) }
    }

    private static func writeAll(_ data: Data, to descriptor: Int32) throws {
        try data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw WriteError(reason: String(cString: strerror(errno)))
                }
                offset += written
            }
        }
    }

    /// `{"seq":1,"time":…,"hash":…}` in the export's field order.
    package static func jsonLine(_ record: AuditRecord) -> String {
        var parts = ["\"seq\":\(record.seq)"]
        for (name, value) in record.textFields {
            parts.append(AuditChain.jsonString(name) + ":" + (value.map(AuditChain.jsonString) ?? "null"))
        }
        parts.append("\"hash\":" + AuditChain.jsonString(record.hash))
        return "{" + parts.joined(separator: ",") + "}"
    }

    /// One CSV row; absent values are empty fields.
    package static func csvLine(_ record: AuditRecord) -> String {
        let values = [String(record.seq)] + record.textFields.map { $0.1 ?? "" } + [record.hash]
        return values.map(csvField).joined(separator: ",")
    }

    /// A cell of the CSV export: a value that a spreadsheet would take for a formula (it begins
    /// with `=`, `+`, `-`, `@`, tab, carriage return or `'`) gets one leading `'` (OWASP's CSV
    /// injection rule); then RFC 4180 quoting. A verifier removes one leading `'` from every cell
    /// that has one, which gives back the value as hashed: the rule adds it to every value that
    /// began with `'`, so no value is ever shortened by mistake.
    package static func csvField(_ value: String) -> String {
        var text = value
        if let first = value.utf8.first, Self.formulaLeads.contains(first) { text = "'" + value }
        guard text.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The first bytes that make a spreadsheet read a cell as a formula, and `'` itself.
    private static let formulaLeads: Set<UInt8> = Set("=+-@\t\r'".utf8)

    /// The value a CSV cell stands for (after RFC 4180 unquoting): without the one `'` that
    /// `csvField` put in front of it.
    package static func csvValue(ofCell cell: String) -> String {
        cell.utf8.first == UInt8(ascii: "'") ? String(cell.dropFirst()) : cell
    }
}
