/// Decodes the users list (`[User, …]`) straight from the response bytes, reading only the six
/// fields of `APIUser` and skipping everything else. A list of 100,000 users is ~60 MB; this
/// avoids copying it into `Data` and Foundation's general decoder (the no-op sync of a large
/// organisation spent a fifth of its time there). Strict where it matters: valid UTF-8,
/// the required fields present as strings, nothing after the closing bracket. Anything it
/// does not accept throws, and the caller reports an invalid response.
struct UserListDecoder {
    struct Failure: Error, Equatable {
        var offset: Int
        var reason: String
    }

    private let bytes: UnsafeRawBufferPointer
    private var index = 0
    /// Bound on nesting inside skipped values.
    private static let maximumDepth = 64

    private init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// Calls `body` with each user, in order.
    static func decode(_ bytes: UnsafeRawBufferPointer, _ body: (APIUser) -> Void) throws {
        var decoder = UserListDecoder(bytes)
        try decoder.list(body)
    }

    private mutating func list(_ body: (APIUser) -> Void) throws {
        skipWhitespace()
        try expect(UInt8(ascii: "["))
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
        } else {
            while true {
                body(try user())
                skipWhitespace()
                let byte = try next()
                if byte == UInt8(ascii: "]") { break }
                guard byte == UInt8(ascii: ",") else { throw fail("expected , or ] after a user") }
                skipWhitespace()
            }
        }
        skipWhitespace()
        guard index == bytes.count else { throw fail("unexpected bytes after the list") }
    }

    private enum Field { case id, role, email, externalUserID, firstName, lastName, lastLogin, joinedAt, isOnboarded, other }

    private mutating func user() throws -> APIUser {
        try expect(UInt8(ascii: "{"))
        var id: String?, role: String?, email: String?
        var externalUserID: String?, firstName: String?, lastName: String?
        var lastLogin: String?, joinedAt: String?, isOnboarded: Bool?
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
        } else {
            while true {
                skipWhitespace()
                let field = try key()
                skipWhitespace()
                try expect(UInt8(ascii: ":"))
                skipWhitespace()
                switch field {
                case .id: id = try string()
                case .role: role = try string()
                case .email: email = try string()
                case .externalUserID: externalUserID = try optionalString()
                case .firstName: firstName = try optionalString()
                case .lastName: lastName = try optionalString()
                // Informational fields: a value of another type is ignored, never fatal.
                case .lastLogin: lastLogin = try lenientString()
                case .joinedAt: joinedAt = try lenientString()
                case .isOnboarded: isOnboarded = try lenientBool()
                case .other: try skipValue(depth: 0)
                }
                skipWhitespace()
                let byte = try next()
                if byte == UInt8(ascii: "}") { break }
                guard byte == UInt8(ascii: ",") else { throw fail("expected , or } in a user") }
            }
        }
        guard let id, let role, let email else { throw fail("a user lacks id, role or email") }
        return APIUser(id: id, role: role, email: email, externalUserID: externalUserID, firstName: firstName, lastName: lastName,
            lastLogin: lastLogin, joinedAt: joinedAt, isOnboarded: isOnboarded)
    }

    // MARK: Keys and strings

    private static let keys: [([UInt8], Field)] = [
        (Array("id".utf8), .id), (Array("role".utf8), .role), (Array("email".utf8), .email),
        (Array("external_user_id".utf8), .externalUserID), (Array("first_name".utf8), .firstName),
        (Array("last_name".utf8), .lastName), (Array("last_login".utf8), .lastLogin), (Array("joined_at".utf8), .joinedAt),
        (Array("is_onboarded".utf8), .isOnboarded),
    ]

    private mutating func key() throws -> Field {
        guard peek() == UInt8(ascii: "\"") else { throw fail("expected a key") }
        let start = index + 1
        if let end = plainStringEnd(from: start) {
            index = end + 1
            let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
            for (name, field) in Self.keys where name.count == raw.count && name.elementsEqual(raw) { return field }
            return .other
        }
        let text = try string()
        for (name, field) in Self.keys where name.elementsEqual(text.utf8) { return field }
        return .other
    }

    /// A string, or nil for null or any other value (skipped). At most 64 bytes are kept.
    private mutating func lenientString() throws -> String? {
        guard peek() == UInt8(ascii: "\"") else {
            try skipValue(depth: 0)
            return nil
        }
        let text = try string()
        return text.utf8.count <= 64 ? text : nil
    }

    /// true or false, or nil for null or any other value (skipped).
    private mutating func lenientBool() throws -> Bool? {
        switch peek() {
        case UInt8(ascii: "t"): try literal("true"); return true
        case UInt8(ascii: "f"): try literal("false"); return false
        default: try skipValue(depth: 0); return nil
        }
    }

    private mutating func optionalString() throws -> String? {
        if peek() == UInt8(ascii: "n") {
            try literal("null")
            return nil
        }
        return try string()
    }

    /// The end (closing quote) of a string starting at `start` that has no escape and no control
    /// character; nil when it has one (or is unterminated).
    private func plainStringEnd(from start: Int) -> Int? {
        var position = start
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") { return position }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
            position += 1
        }
        return nil
    }

    private mutating func string() throws -> String {
        guard peek() == UInt8(ascii: "\"") else { throw fail("expected a string") }
        let start = index + 1
        if let end = plainStringEnd(from: start) {
            index = end + 1
            guard let text = String(validating: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self) else {
                throw fail("a string is not valid UTF-8")
            }
            return text
        }
        index = start
        var utf8: [UInt8] = []
        while true {
            let byte = try next()
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: utf8, as: UTF8.self) else { throw fail("a string is not valid UTF-8") }
                return text
            case UInt8(ascii: "\\"):
                try escape(into: &utf8)
            case ..<0x20:
                throw fail("a control character in a string")
            default:
                utf8.append(byte)
            }
        }
    }

    private mutating func escape(into utf8: inout [UInt8]) throws {
        let byte = try next()
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(byte)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = UInt32(try hex4())
            if (0xD800..<0xDC00).contains(scalar) {
                guard try next() == UInt8(ascii: "\\"), try next() == UInt8(ascii: "u") else { throw fail("a lone surrogate in a string") }
                let low = UInt32(try hex4())
                guard (0xDC00..<0xE000).contains(low) else { throw fail("a lone surrogate in a string") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(scalar) {
                throw fail("a lone surrogate in a string")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw fail("an invalid \\u escape") }
            utf8.append(contentsOf: String(Character(unicode)).utf8)
        default:
            throw fail("an invalid escape in a string")
        }
    }

    private mutating func hex4() throws -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = try next()
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw fail("an invalid \\u escape")
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    // MARK: Skipping other values

    private mutating func skipValue(depth: Int) throws {
        guard depth < Self.maximumDepth else { throw fail("values nested too deeply") }
        guard let first = peek() else { throw fail("the list ends early") }
        switch first {
        case UInt8(ascii: "\""):
            _ = try string()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let close = first == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            let isObject = close == UInt8(ascii: "}")
            index += 1
            skipWhitespace()
            if peek() == close {
                index += 1
                return
            }
            while true {
                skipWhitespace()
                if isObject {
                    _ = try string()
                    skipWhitespace()
                    try expect(UInt8(ascii: ":"))
                    skipWhitespace()
                }
                try skipValue(depth: depth + 1)
                skipWhitespace()
                let byte = try next()
                if byte == close { return }
                guard byte == UInt8(ascii: ",") else { throw fail("expected , in a nested value") }
            }
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = index
            while let byte = peek(), byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            {
                index += 1
            }
            guard index > start else { throw fail("expected a number") }
        default:
            throw fail("expected a value")
        }
    }

    // MARK: Bytes

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func next() throws -> UInt8 {
        guard index < bytes.count else { throw fail("the list ends early") }
        defer { index += 1 }
        return bytes[index]
    }

    private mutating func expect(_ byte: UInt8) throws {
        guard try next() == byte else { throw fail("expected \(Character(Unicode.Scalar(byte)))") }
    }

    private mutating func literal(_ word: StaticString) throws {
        let text = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for byte in text { guard try next() == byte else { throw fail("expected \(word)") } }
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private func fail(_ reason: String) -> Failure { Failure(offset: index, reason: reason) }
}
