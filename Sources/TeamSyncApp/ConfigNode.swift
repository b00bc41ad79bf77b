import Foundation
import TeamSyncCore
import Yams

/// Collects configuration problems while the file is read, so that all of them are reported at once.
final class ConfigProblemList {
    private(set) var problems: [ConfigProblem] = []

    func add(_ path: String, _ reason: String, _ node: Node?) {
        problems.append(ConfigProblem(path, reason, line: node?.mark.map { $0.line }))
    }
}

/// A YAML node with its key path, read strictly: unknown keys and wrong types are problems.
struct ConfigNode {
    let node: Node?
    let path: String
    let problems: ConfigProblemList

    /// True for an explicit `null`, `~` or an empty value.
    var isNull: Bool { node?.null != nil }

    private func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The keys of a mapping; unknown keys are reported. Nil (and a problem) when not a mapping.
    func mapping(allowed: Set<String>, required: Bool = false) -> [String: ConfigNode]? {
        guard let node, !isNull else {
            if required { problems.add(path, "is required", node) }
            return nil
        }
        guard let mapping = node.mapping else {
            problems.add(path, "must be a mapping of keys", node)
            return nil
        }
        var result: [String: ConfigNode] = [:]
        for (key, value) in mapping {
            guard let name = key.string else {
                problems.add(path, "has a key that is not text", key)
                continue
            }
            guard allowed.contains(name) else {
                problems.add(child(name), "unknown key", key)
                continue
            }
            result[name] = ConfigNode(node: value, path: child(name), problems: problems)
        }
        return result
    }

    func string(required: Bool = false) -> String? {
        guard let node, !isNull else {
            if required { problems.add(path, "is required", node) }
            return nil
        }
        guard let scalar = node.scalar else {
            problems.add(path, "must be text", node)
            return nil
        }
        if required && scalar.string.isEmpty {
            problems.add(path, "must not be empty", node)
            return nil
        }
        return scalar.string
    }

    func bool(default value: Bool) -> Bool {
        guard let node, !isNull else { return value }
        guard node.scalar != nil, let parsed = node.bool else {
            problems.add(path, "must be true or false", node)
            return value
        }
        return parsed
    }

    func int(default value: Int, range: ClosedRange<Int>) -> Int {
        guard let node, !isNull else { return value }
        guard let scalar = node.scalar, let parsed = Int(scalar.string) else {
            problems.add(path, "must be a whole number", node)
            return value
        }
        guard range.contains(parsed) else {
            problems.add(path, "must be between \(range.lowerBound) and \(range.upperBound)", node)
            return value
        }
        return parsed
    }

    func number(default value: Double, range: ClosedRange<Double>) -> Double {
        guard let node, !isNull else { return value }
        guard let scalar = node.scalar, let parsed = Double(scalar.string), parsed.isFinite else {
            problems.add(path, "must be a number", node)
            return value
        }
        guard range.contains(parsed) else {
            problems.add(path, "must be between \(Int(range.lowerBound)) and \(Int(range.upperBound))", node)
            return value
        }
        return parsed
    }

    /// `30s`, `15m`, `24h`, `7d`, `250ms` or `0`.
    func duration(default value: Duration?, positive: Bool = false) -> Duration? {
        guard let node, !isNull else { return value }
        guard let text = node.scalar?.string, let parsed = DurationText.parse(text) else {
            problems.add(path, "must be a duration such as 30s, 15m, 24h or 7d", node)
            return value
        }
        if positive && parsed == .zero {
            problems.add(path, "must be longer than 0", node)
            return value
        }
        return parsed
    }

    func distinguishedName(required: Bool) -> DistinguishedName? {
        guard let text = string(required: required) else { return nil }
        guard let dn = DistinguishedName(text), !dn.normalized.isEmpty else {
            problems.add(path, "is not a valid LDAP DN", node)
            return nil
        }
        return dn
    }

    func choice<T: RawRepresentable>(_ type: T.Type, default value: T) -> T where T.RawValue == String, T: CaseIterable {
        guard let text = string() else { return value }
        guard let parsed = T(rawValue: text) else {
            problems.add(path, "must be one of " + T.allCases.map(\.rawValue).joined(separator: ", "), node)
            return value
        }
        return parsed
    }

    func sequence(required: Bool = false) -> [ConfigNode]? {
        guard let node, !isNull else {
            if required { problems.add(path, "is required", node) }
            return nil
        }
        guard let sequence = node.sequence else {
            problems.add(path, "must be a list", node)
            return nil
        }
        return sequence.enumerated().map { ConfigNode(node: $1, path: "\(path)[\($0)]", problems: problems) }
    }

    func report(_ reason: String) {
        problems.add(path, reason, node)
    }
}

/// An optional key read over a default that lives in the settings type: the default is stated
/// once, there, and the loader never repeats it.
extension Optional where Wrapped == ConfigNode {
    func bool(or current: Bool) -> Bool { self?.bool(default: current) ?? current }
    func int(or current: Int, range: ClosedRange<Int>) -> Int { self?.int(default: current, range: range) ?? current }
    func number(or current: Double, range: ClosedRange<Double>) -> Double { self?.number(default: current, range: range) ?? current }
    func duration(or current: Duration, positive: Bool = false) -> Duration {
        self?.duration(default: current, positive: positive) ?? current
    }
    func choice<T: RawRepresentable>(or current: T) -> T where T.RawValue == String, T: CaseIterable {
        self?.choice(T.self, default: current) ?? current
    }
}
