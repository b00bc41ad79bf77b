/// The byte-level parser behind `DistinguishedName`. Accepts RFC 4514 strings and the older
/// RFC 1779/2253 forms (`;` separators, quoted values, spaces around separators).
enum DistinguishedNameParser {
    private static let space = UInt8(ascii: " ")
    private static let backslash = UInt8(ascii: "\\")
    private static let quote = UInt8(ascii: "\"")
    private static let equals = UInt8(ascii: "=")
    private static let plus = UInt8(ascii: "+")
    private static let comma = UInt8(ascii: ",")
    private static let semicolon = UInt8(ascii: ";")
    private static let hash = UInt8(ascii: "#")

    static func normalize(_ bytes: [UInt8]) -> String? {
        if let fast = bytes.withUnsafeBufferPointer(normalizePlainASCII) { return fast }
        return normalizeGeneral(bytes)
    }

    /// The common case in one pass: ASCII, no escapes, quotes, hex values, multi-valued RDNs or
    /// characters that need escaping. Gives exactly what `normalizeGeneral` gives for such input,
    /// and nil (meaning "use the general parser") for anything else.
    private static func normalizePlainASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> String?? {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var inValue = false
        var componentStart = true  // at the start of a type: drop leading spaces
        var pendingSpace = false   // a space seen in a value, written only if more follows
        var typeStart = 0
        for byte in bytes {
            if byte >= 0x80 || byte == backslash || byte == quote || byte == hash || byte == plus
                || byte == semicolon || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">")
            {
                return .none
            }
            if inValue {
                if byte == comma {
                    inValue = false
                    componentStart = true
                    pendingSpace = false
                    output.append(comma)
                } else if byte == space {
                    pendingSpace = output.last != equals
                } else {
                    if pendingSpace { output.append(space) }
                    pendingSpace = false
                    output.append(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
                }
                continue
            }
            if byte == space {
                if !componentStart { pendingSpace = true }
                continue
            }
            if byte == equals {
                guard !componentStart else { return .some(nil) }  // "=x": no type
                if output.count - typeStart > 4, output[typeStart..<typeStart + 4].elementsEqual([0x6F, 0x69, 0x64, 0x2E]) {
                    output.removeSubrange(typeStart..<typeStart + 4)  // "oid.2.5.4.3" → "2.5.4.3"
                }
                output.append(equals)
                inValue = true
                pendingSpace = false
                continue
            }
            let isLetter = (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
            let isDigit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
            guard isLetter || isDigit || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") else {
                return .some(nil)
            }
            if pendingSpace { return .some(nil) }  // "c n=x"
            if componentStart { typeStart = output.count }
            componentStart = false
            output.append(isLetter ? byte | 0x20 : byte)
        }
        if !inValue {
            // Only an empty (all-space) input is a valid DN without a value: the root DN.
            return componentStart && output.isEmpty ? .some("") : .some(nil)
        }
        return .some(String(decoding: output, as: UTF8.self))
    }

    private static func normalizeGeneral(_ bytes: [UInt8]) -> String? {
        var index = 0
        var rdns: [[String]] = []
        var current: [String] = []
        skipSpaces(bytes, &index)
        if index == bytes.count { return "" }
        while true {
            guard let type = parseType(bytes, &index) else { return nil }
            guard let value = parseValue(bytes, &index) else { return nil }
            current.append(type + "=" + value)
            skipSpaces(bytes, &index)
            if index == bytes.count {
                rdns.append(current)
                break
            }
            let separator = bytes[index]
            index += 1
            if separator == plus { continue }
            guard separator == comma || separator == semicolon else { return nil }
            rdns.append(current)
            current = []
            skipSpaces(bytes, &index)
            if index == bytes.count { return nil }
        }
        return rdns.map { $0.count == 1 ? $0[0] : $0.sorted().joined(separator: "+") }
            .joined(separator: ",")
    }

    private static func skipSpaces(_ bytes: [UInt8], _ index: inout Int) {
        while index < bytes.count, bytes[index] == space { index += 1 }
    }

    private static func parseType(_ bytes: [UInt8], _ index: inout Int) -> String? {
        skipSpaces(bytes, &index)
        var type: [UInt8] = []
        var trailingSpace = false
        while index < bytes.count, bytes[index] != equals {
            let byte = bytes[index]
            let isLetter = (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
            let isDigit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
            if isLetter || isDigit || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") {
                if trailingSpace { return nil }  // "c n=x": a type has no inner spaces
                type.append(isLetter ? byte | 0x20 : byte)
            } else if byte == space {
                trailingSpace = true
            } else {
                return nil
            }
            index += 1
        }
        guard index < bytes.count, !type.isEmpty else { return nil }
        index += 1  // "="
        if type.count > 4, type[0...3] == [0x6F, 0x69, 0x64, 0x2E] { type.removeFirst(4) }  // "oid."
        return String(decoding: type, as: UTF8.self)
    }

    private static func parseValue(_ bytes: [UInt8], _ index: inout Int) -> String? {
        skipSpaces(bytes, &index)
        if index < bytes.count, bytes[index] == hash { return parseHexValue(bytes, &index) }
        var raw: [UInt8] = []
        var quoted = false
        if index < bytes.count, bytes[index] == quote {
            quoted = true
            index += 1
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == backslash {
                guard index + 1 < bytes.count else { return nil }
                if let high = hexValue(bytes[index + 1]), index + 2 < bytes.count,
                    let low = hexValue(bytes[index + 2])
                {
                    raw.append(high << 4 | low)
                    index += 3
                } else {
                    raw.append(bytes[index + 1])
                    index += 2
                }
                continue
            }
            if quoted {
                index += 1
                if byte == quote {
                    quoted = false
                    break
                }
                raw.append(byte)
                continue
            }
            if byte == comma || byte == semicolon || byte == plus { break }
            raw.append(byte)
            index += 1
        }
        if quoted { return nil }
        guard let text = String(validating: raw, as: UTF8.self) else { return nil }
        return escape(canonicalValue(text))
    }

    private static func parseHexValue(_ bytes: [UInt8], _ index: inout Int) -> String? {
        var hex: [UInt8] = [hash]
        index += 1
        while index < bytes.count, let _ = hexValue(bytes[index]) {
            hex.append(bytes[index] | 0x20)
            index += 1
        }
        guard hex.count > 1, hex.count % 2 == 1 else { return nil }
        return String(decoding: hex, as: UTF8.self)
    }

    /// Case folded, runs of spaces collapsed, trimmed: LDAP's caseIgnoreMatch preparation.
    private static func canonicalValue(_ text: String) -> String {
        let isASCII = text.utf8.allSatisfy { $0 < 0x80 }
        let folded = isASCII ? asciiLowercased(text) : text.lowercased()
        var output: [UInt8] = []
        output.reserveCapacity(folded.utf8.count)
        var pendingSpace = false
        for byte in folded.utf8 {
            if byte == space {
                pendingSpace = !output.isEmpty
                continue
            }
            if pendingSpace {
                output.append(space)
                pendingSpace = false
            }
            output.append(byte)
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func asciiLowercased(_ text: String) -> String {
        var bytes = Array(text.utf8)
        for index in bytes.indices where bytes[index] >= 0x41 && bytes[index] <= 0x5A {
            bytes[index] |= 0x20
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Escapes the characters RFC 4514 requires, so the canonical form parses again.
    private static func escape(_ value: String) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(value.utf8.count)
        for (offset, byte) in value.utf8.enumerated() {
            let special =
                byte == comma || byte == plus || byte == quote || byte == backslash || byte == semicolon
                || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">") 
                || (offset == 0 && byte == hash)
            if special { output.append(backslash) }
            output.append(byte)
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
