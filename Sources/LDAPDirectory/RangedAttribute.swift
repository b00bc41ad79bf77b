/// Active Directory's range retrieval (MS-ADTS 3.1.1.3.1.3.3): a multi-valued attribute with more
/// values than `MaxValRange` (1,500 for `member`) comes back as `member;range=0-1499`, and the
/// rest must be asked for as `member;range=1500-*`, range after range, until the server answers
/// with a range that ends in `*`.
struct RangedAttribute: Equatable, Sendable {
    /// The attribute without options (`member`).
    var base: String
    /// Index of the first value in this part.
    var low: Int
    /// Index of the last value in this part; nil for `*` (the last part).
    var high: Int?

    /// Parses `member;range=0-1499` / `member;Range=1500-*`; nil for anything else.
    init?(_ description: String) {
        let parts = description.split(separator: ";", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty else { return nil }
        let option = parts[1]
        guard option.count > 6, option.prefix(6).lowercased() == "range=" else { return nil }
        let bounds = option.dropFirst(6).split(separator: "-", omittingEmptySubsequences: false)
        guard bounds.count == 2, let low = Int(bounds[0]), low >= 0 else { return nil }
        if bounds[1] == "*" {
            high = nil
        } else {
            guard let high = Int(bounds[1]), high >= low else { return nil }
            self.high = high
        }
        base = String(parts[0])
        self.low = low
    }

    /// Whether this part belongs to `attribute` (case-insensitive, as LDAP names are).
    func isPart(of attribute: String) -> Bool { base.lowercased() == attribute.lowercased() }

    /// The description that asks for every value from `low` on: `member;range=1500-*`.
    static func request(_ attribute: String, from low: Int) -> String { "\(attribute);range=\(low)-*" }
}

/// Reads all values of a ranged attribute, one part after another, and proves the parts join up:
/// each must start where the previous one ended, and the last must end in `*`. Anything else
/// (a missing part, a gap or overlap, a server that never finishes) is an incomplete read.
struct RangedValueCollector {
    /// One answer of the server: the attribute descriptions it returned, with their values.
    typealias Part = [(description: String, values: [String])]

    /// The attribute being collected (`member`).
    var attribute: String
    /// What is being read, for error messages.
    var purpose: String
    /// Upper bound on the parts asked for, so that a misbehaving server cannot keep us forever.
    var maximumParts = 100_000

    /// - Parameters:
    ///   - first: the part that came with the entry (`member;range=0-1499` and its values).
    ///   - fetch: asks the server for the attribute description given (`member;range=1500-*`)
    ///     on the same entry and returns what it sent.
    /// - Returns: every value, in order.
    func collect(first: Part, fetch: (String) throws -> Part) throws -> [String] {
        guard var (range, values) = Self.find(attribute, in: first) else {
            throw incomplete("the entry carried no ranged values of \(attribute)")
        }
        guard range.low == 0 else { throw incomplete("the first part of \(attribute) started at value \(range.low), not 0") }
        var all = values
        var parts = 1
        while let high = range.high {
            guard all.count == high + 1 else {
                throw incomplete("the server announced values up to \(high) of \(attribute) but sent \(all.count)")
            }
            guard parts < maximumParts else { throw incomplete("the server kept sending parts of \(attribute)") }
            let next = high + 1
            guard let answer = Self.find(attribute, in: try fetch(RangedAttribute.request(attribute, from: next))) else {
                throw incomplete("the server sent no values of \(attribute) from \(next) on, though it announced more")
            }
            (range, values) = answer
            guard range.low == next else {
                throw incomplete("asked for \(attribute) from value \(next), the server answered from \(range.low)")
            }
            parts += 1
            all += values
        }
        return all
    }

    private static func find(_ attribute: String, in part: Part) -> (RangedAttribute, [String])? {
        for (description, values) in part {
            if let range = RangedAttribute(description), range.isPart(of: attribute) { return (range, values) }
        }
        return nil
    }

    private func incomplete(_ reason: String) -> LDAPError {
        LDAPError(.incomplete, operation: purpose, reason: reason + "; the read is incomplete and nothing is changed")
    }
}
