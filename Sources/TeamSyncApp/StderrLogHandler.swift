import Foundation
import Logging
import Synchronization

/// One line per event on stderr, logfmt-style (`level=info msg="…" key=value`) or JSON.
/// journald adds the timestamps.
package struct StderrLogHandler: LogHandler {
    package var logLevel: Logger.Level
    package var metadata: Logger.Metadata = [:]
    package var metadataProvider: Logger.MetadataProvider?
    private let format: AppConfiguration.LogFormat
    private let label: String
    private static let lock = Mutex(())

    package init(label: String, level: Logger.Level, format: AppConfiguration.LogFormat) {
        self.label = label
        self.logLevel = level
        self.format = format
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { $1 } }
        if let extra = event.metadata { fields.merge(extra) { $1 } }
        let line: String
        switch format {
        case .text:
            line = Self.textLine(level: event.level, message: event.message.description, fields: fields.mapValues(\.description))
        case .json:
            var object: [String: String] = ["level": event.level.rawValue, "msg": event.message.description, "logger": label]
            for (key, value) in fields { object[key] = value.description }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            line = String(decoding: data, as: UTF8.self)
        }
        Self.lock.withLock { _ in FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }

    /// One logfmt line: level, message, then the fields sorted by key.
    static func textLine(level: Logger.Level, message: String, fields: [String: String]) -> String {
        var parts = ["level=\(level)", "msg=\(quoted(message))"]
        for key in fields.keys.sorted() { parts.append("\(key)=\(quoted(fields[key]!))") }
        return parts.joined(separator: " ")
    }

    /// A logfmt value: quoted when it holds a space, a quote or `=`; control characters are
    /// always escaped (a DN or an API message can carry ESC or a newline).
    private static func quoted(_ value: String) -> String {
        let plain = !value.isEmpty && value.unicodeScalars.allSatisfy { $0 != " " && $0 != "\"" && $0 != "=" && $0 != "\\" }
        let escaped = value.escapingControlCharacters
        guard !plain || escaped != value else { return value }
        return "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .escapingControlCharacters + "\""
    }
}
