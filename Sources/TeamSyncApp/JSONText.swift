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
        let newline = pretty ? "\n" : ""
        let inner = pretty ? indent + "  " : ""
        switch value {
        case .string(let text): return text.map(quote) ?? "null"
        case .int(let number): return String(number)
        case .decimal(let number): return number.isFinite ? String(format: "%.3f", number) : "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .array(let items):
            guard !items.isEmpty else { return "[]" }
            return "[" + newline + items.map { inner + render($0, indent: inner, pretty: pretty) }.joined(separator: "," + newline) + newline + indent + "]"
        case .object(let fields):
            guard !fields.isEmpty else { return "{}" }
            return "{" + newline + fields.map { inner + quote($0.0) + (pretty ? ": " : ":") + render($0.1, indent: inner, pretty: pretty) }
                .joined(separator: "," + newline) + newline + indent + "}"
        }
    }

    /// A JSON string with only the escapes JSON requires (the audit log's rules).
    static func quote(_ text: String) -> String {
        AuditChain.jsonString(text)
    }
}
