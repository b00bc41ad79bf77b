import Foundation
import SyncJournal
import TeamSyncCore

/// Report text written as UTF-8 bytes into one growing buffer: the access review of 100,000
/// accounts is 40 MB of JSON, CSV or HTML, and a `String` per cell costs more than the cell.
/// Every escaping append has a fast path for the plain ASCII that nearly every cell is, and
/// otherwise hands the cell to the one escaper of its format (JSON, CSV, HTML), so the output
/// is byte for byte what that escaper writes.
struct ByteText {
    var bytes: [UInt8] = []

    init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    var string: String { String(decoding: bytes, as: UTF8.self) }

    mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ other: ByteText) {
        bytes.append(contentsOf: other.bytes)
    }

    mutating func append(_ number: Int) {
        append(String(number))
    }

    /// `2026-11-30T08:15:00Z`, as `AuditTime.format` writes it.
    mutating func append(time date: Date) {
        append(AuditTime.format(date))
    }

    /// True when `text` holds no control character (`String.mayHoldControls`) and no byte
    /// `special` names: then it goes out as it is.
    static func isPlain(_ text: String, excluding special: (UInt8) -> Bool) -> Bool {
        var text = text
        return text.withUTF8 { bytes in !String.mayHoldControls(bytes) && !bytes.contains(where: special) }
    }

    /// A JSON string (the audit log's escapes), or `null`.
    mutating func appendJSON(_ text: String?) {
        guard let text else { append("null"); return }
        if Self.isPlain(text, excluding: { $0 == 0x22 || $0 == 0x5C }) {  // " and \
            bytes.append(0x22)
            append(text)
            bytes.append(0x22)
        } else {
            append(AuditChain.jsonString(text))
        }
    }

    /// One CSV cell (`ReviewRenderer.csvCell`).
    mutating func appendCSV(_ text: String) {
        // Quoted when it holds , or "; a leading =, +, -, @ or ' is a formula to a spreadsheet.
        if Self.isPlain(text, excluding: { $0 == 0x2C || $0 == 0x22 }),
           !(text.utf8.first.map { $0 == 0x3D || $0 == 0x2B || $0 == 0x2D || $0 == 0x40 || $0 == 0x27 } ?? false)
        {
            append(text)
        } else {
            append(ReviewRenderer.csvCell(text))
        }
    }

    /// Text escaped for HTML (`ReviewRenderer.h`, which hands plain text back as it is).
    mutating func appendHTML(_ text: String) {
        append(ReviewRenderer.h(text))
    }
}
