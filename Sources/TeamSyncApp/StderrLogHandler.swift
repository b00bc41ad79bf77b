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
            var parts = ["level=\(event.level)", "msg=\(Self.quoted(event.message.description))"]
            for key in fields.keys.sorted() { parts.append("\(key)=\(Self.quoted(fields[key]!.description))") }
            line = parts.joined(separator: " ")
        case .json:
            var object: [String: String] = ["level": event.level.rawValue, "msg": event.message.description, "logger": label]
            for (key, value) in fields { object[key] = value.description }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            line = String(decoding: data, as: UTF8.self)
        }
        Self.lock.withLock { _ in FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }

    private static func quoted(_ value: String) -> String {
        let plain = !value.isEmpty && value.allSatisfy { $0 != " " && $0 != "\"" && $0 != "=" && !$0.isNewline }
        guard !plain else { return value }
        return "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }
}
