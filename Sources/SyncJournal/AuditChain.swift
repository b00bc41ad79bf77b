import Crypto
import TeamSyncCore
import Foundation

/// The audit log's hash chain, exactly as CONTRACT.md defines it so that anyone can check an
/// export without our tool:
/// `hash = hex(SHA-256(prev_hash + "\n" + canonical))`, `prev_hash` of record 1 = 64 zeros,
/// `canonical` = the other eleven fields as a JSON object, keys sorted, no whitespace, absent
/// values as null, only the escapes JSON requires.
package enum AuditChain {
    /// The previous hash of the first record.
    package static let genesis = String(repeating: "0", count: 64)

    /// The record's hash given the previous one.
    package static func hash(_ record: AuditRecord, previous: String) -> String {
        let input = previous + "\n" + canonical(record)
        return SHA256.hash(data: Data(input.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// The canonical JSON text of the eleven hashed fields.
    package static func canonical(_ record: AuditRecord) -> String {
        var fields = record.textFields.map { ($0.0, $0.1.map(jsonString) ?? "null") }
        fields.append(("seq", String(record.seq)))
        fields.sort { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
        return "{" + fields.map { jsonString($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }

    /// True when `text` holds a byte JSON must escape: `"`, `\` or a control character.
    package static func needsEscape(_ text: String) -> Bool {
        text.utf8.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
    }

    /// A JSON string with only the escapes JSON requires: `"`, `\` and control characters.
    package static func jsonString(_ text: String) -> String {
        // Most text needs no escape: then it is the text in quotes, without a scalar-by-scalar copy.
        if !needsEscape(text) { return "\"" + text + "\"" }
        var output = "\""
        output.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            case let control where control.value < 0x20:
                let hex = String(control.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output + "\""
    }
}
