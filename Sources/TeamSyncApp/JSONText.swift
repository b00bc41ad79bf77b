import Foundation
import SyncJournal

/// Small JSON building for command output: values are `String`, `Int`, `Bool`, arrays, objects
/// or `NSNull`; keys keep the order given.
enum JSONText {
    indirect enum Value {
        case string(String?)
        case int(Int)
        /// A number printed with three decimals.
        case decimal(Double)
        case bool(Bool)
        case array([Value])
        case object([(String, Value)])
    }

    static func render(_ value: Value, indent: String = "", pretty: Bool = true) -> String {
        var output = ""
        write(value, indent: indent, pretty: pretty, into: &output)
        return output
    }

    /// Appends `value` to `output`: one buffer for the whole document (a review of 100,000
    /// accounts is 40 MB of JSON), not a string per value.
    static func write(_ value: Value, indent: String, pretty: Bool, into output: inout String) {
        switch value {
        case .string(let text):
            if let text { appendQuoted(text, to: &output) } else { output += "null" }
        case .int(let number): output += String(number)
        case .decimal(let number): output += number.isFinite ? String(format: "%.3f", number) : "null"
        case .bool(let flag): output += flag ? "true" : "false"
        case .array(let items):
            guard !items.isEmpty else { output += "[]"; return }
            let inner = pretty ? indent + "  " : ""
            output += pretty ? "[\n" : "["
            for (index, item) in items.enumerated() {
                if index > 0 { output += pretty ? ",\n" : "," }
                output += inner
                write(item, indent: inner, pretty: pretty, into: &output)
            }
            output += pretty ? "\n" + indent + "]" : "]"
        case .object(let fields):
            guard !fields.isEmpty else { output += "{}"; return }
            let inner = pretty ? indent + "  " : ""
            output += pretty ? "{\n" : "{"
            for (index, field) in fields.enumerated() {
                if index > 0 { output += pretty ? ",\n" : "," }
                output += inner
                appendQuoted(field.0, to: &output)
                output += pretty ? ": " : ":"
                write(field.1, indent: inner, pretty: pretty, into: &output)
            }
            output += pretty ? "\n" + indent + "}" : "}"
        }
    }

    /// Appends `text` as a JSON string: in place when nothing needs an escape.
    static func appendQuoted(_ text: String, to output: inout String) {
        if AuditChain.needsEscape(text) {
            output += quote(text)
        } else {
            output += "\""
            output += text
            output += "\""
        }
    }

    /// A JSON string with only the escapes JSON requires (the audit log's rules).
    static func quote(_ text: String) -> String {
        AuditChain.jsonString(text)
    }
}
