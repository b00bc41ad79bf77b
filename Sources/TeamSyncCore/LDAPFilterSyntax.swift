/// Checks a search filter against RFC 4515's string grammar (with RFC 4526's `(&)` and `(|)`),
/// so that `check-config` refuses what libldap would refuse at run time: `(a=b)(c=d)` (two
/// filters), a stray parenthesis, a bad escape (`\` and two hex digits), a missing attribute.
package enum LDAPFilterSyntax {
    /// Why `text` is not one filter, or nil when it is. A filter without its outer parentheses
    /// (`objectClass=person`) is read as if it had them, as the directory reader sends it.
    package static func problem(_ text: String) -> String? {
        let trimmed = text.trimmingASCIIWhitespace()
        guard !trimmed.isEmpty else { return "is empty" }
        var parser = Parser(bytes: Array((trimmed.hasPrefix("(") ? trimmed : "(\(trimmed))").utf8))
        do throws(Failure) {
            try parser.filter()
            guard parser.position == parser.bytes.count else {
                throw Failure(position: parser.position, reason: "more than one filter; combine them with (&…) or (|…)")
            }
            return nil
        } catch {
            return "\(error.reason) at character \(error.position + 1)"
        }
    }

    struct Failure: Error {
        var position: Int
        var reason: String
    }

    private struct Parser {
        let bytes: [UInt8]
        var position = 0
        var depth = 0

        private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

        /// Spaces between the parts of a composite filter, which libldap tolerates (never inside a value).
        private mutating func skipSpaces() {
            while current == UInt8(ascii: " ") { position += 1 }
        }

        private mutating func expect(_ byte: UInt8, _ what: String) throws(Failure) {
            guard current == byte else { throw Failure(position: position, reason: "expected \(what)") }
            position += 1
        }

        mutating func filter() throws(Failure) {
            depth += 1
            defer { depth -= 1 }
            guard depth <= 64 else { throw Failure(position: position, reason: "nested more than 64 levels deep") }
            skipSpaces()
            try expect(UInt8(ascii: "("), "(")
            switch current {
            case UInt8(ascii: "&"), UInt8(ascii: "|"):
                position += 1
                skipSpaces()
                while current == UInt8(ascii: "(") {
                    try filter()
                    skipSpaces()
                }
            case UInt8(ascii: "!"):
                position += 1
                try filter()
                skipSpaces()
            default:
                try item()
            }
            try expect(UInt8(ascii: ")"), ")")
        }

        /// `attr=value`, `attr~=`, `attr>=`, `attr<=`, `attr=*`, substrings, and extensible matches.
        private mutating func item() throws(Failure) {
            let start = position
            var attribute = false
            if current != UInt8(ascii: ":") {
                try description()
                attribute = true
            }
            if current == UInt8(ascii: ":") {  // extensible: [attr] [:dn] [:rule] :=
                var rule = false
                if bytes[position...].starts(with: Array(":dn".utf8)) || bytes[position...].starts(with: Array(":DN".utf8)) {
                    position += 3
                }
                if current == UInt8(ascii: ":"), position + 1 < bytes.count, bytes[position + 1] != UInt8(ascii: "=") {
                    position += 1
                    try description()
                    rule = true
                }
                guard attribute || rule else { throw Failure(position: start, reason: "an extensible match needs an attribute or a matching rule") }
                try expect(UInt8(ascii: ":"), ":=")
                try expect(UInt8(ascii: "="), ":=")
                try value(allowingStar: false)
                return
            }
            switch current {
            case UInt8(ascii: "~"), UInt8(ascii: ">"), UInt8(ascii: "<"):
                position += 1
                try expect(UInt8(ascii: "="), "= after ~, > or <")
                try value(allowingStar: false)
            case UInt8(ascii: "="):
                position += 1
                try value(allowingStar: true)
            default:
                throw Failure(position: position, reason: "expected =, ~=, >=, <= or := after the attribute")
            }
        }

        /// An attribute description or a matching rule: a name or a numeric OID, with options.
        private mutating func description() throws(Failure) {
            let start = position
            while let byte = current, Self.isNameByte(byte) || byte == UInt8(ascii: ";") { position += 1 }
            guard position > start else { throw Failure(position: start, reason: "expected an attribute name") }
        }

        private static func isNameByte(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
        }

        /// An assertion value: anything but NUL and unescaped parentheses; `\` takes two hex digits.
        private mutating func value(allowingStar: Bool) throws(Failure) {
            while let byte = current, byte != UInt8(ascii: ")") {
                switch byte {
                case 0: throw Failure(position: position, reason: "a NUL byte in a value")
                case UInt8(ascii: "("): throw Failure(position: position, reason: "an unescaped ( in a value (write \\28)")
                case UInt8(ascii: "*") where !allowingStar: throw Failure(position: position, reason: "an unescaped * in a value (write \\2a)")
                case UInt8(ascii: "\\"):
                    guard position + 2 < bytes.count, Self.isHex(bytes[position + 1]), Self.isHex(bytes[position + 2]) else {
                        throw Failure(position: position, reason: "a backslash must be followed by two hex digits (\\5c for a backslash)")
                    }
                    position += 3
                default:
                    position += 1
                }
            }
        }

        private static func isHex(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte | 0x20)
        }
    }
}
