import Foundation
import Synchronization
import TeamSyncCore

/// Writes audit records as JSON Lines or CSV (RFC 4180), field order as CONTRACT.md, through a
/// small buffer so that exports of any size stream.
package final class AuditExport: Sendable {
    /// The two export formats.
    package enum Format: String, Sendable, CaseIterable {
        case jsonl, csv
    }

    private let format: Format
    private let output: FileHandle
    private let buffer = Mutex(Data())
    private static let flushSize = 1 << 16

    /// Creates a writer; CSV starts with its header line.
    package init(format: Format, output: FileHandle) {
        self.format = format
        self.output = output
        if format == .csv { write(AuditRecord.fieldNames.joined(separator: ",") + "\r\n") }
    }

    /// Writes one record.
    package func write(_ record: AuditRecord) {
        switch format {
        case .jsonl: write(Self.jsonLine(record) + "\n")
        case .csv: write(Self.csvLine(record) + "\r\n")
        }
    }

    /// Writes what is buffered.
    package func finish() {
        let pending = buffer.withLock { data -> Data in
            defer { data.removeAll(keepingCapacity: true) }
            return data
        }
        if !pending.isEmpty { output.write(pending) }
    }

    private func write(_ text: String) {
        let full = buffer.withLock { data -> Data? in
            data.append(contentsOf: text.utf8)
            guard data.count >= Self.flushSize else { return nil }
            defer { data.removeAll(keepingCapacity: true) }
            return data
        }
        if let full { output.write(full) }
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

    private static func csvField(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
