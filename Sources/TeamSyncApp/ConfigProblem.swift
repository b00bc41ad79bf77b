/// One thing wrong with the configuration: `path.to.key: reason (line N)`.
package struct ConfigProblem: Sendable, Equatable, CustomStringConvertible {
    package var path: String
    package var reason: String
    package var line: Int?

    package init(_ path: String, _ reason: String, line: Int? = nil) {
        self.path = path
        self.reason = reason
        self.line = line
    }

    package var description: String {
        "\(path.isEmpty ? "(file)" : path): \(reason)" + (line.map { " (line \($0))" } ?? "")
    }
}

/// Every problem found in one pass; thrown when there is at least one.
package struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    package var problems: [ConfigProblem]

    package init(_ problems: [ConfigProblem]) {
        self.problems = problems
    }

    package var description: String { problems.map(\.description).joined(separator: "\n") }
}
