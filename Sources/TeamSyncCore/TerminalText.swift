/// Text that came from outside (a DN, a name, an API's error message), made safe for a terminal
/// and a line-oriented log: control characters (C0, DEL, C1) and the bidirectional overrides
/// that reorder what a reader sees become visible escapes (`\n`, `\r`, `\t`, `\x1b`,
/// `\u{202e}`); everything else, backslashes included, is left as it is.
extension String {
    package var escapingControlCharacters: String {
        // Nearly every cell of a report is answered from its bytes.
        var probe = self
        if !probe.withUTF8(Self.mayHoldControls) { return self }
        guard unicodeScalars.contains(where: Self.needsEscape) else { return self }
        var result = ""
        result.reserveCapacity(utf8.count + 8)
        for scalar in unicodeScalars {
            guard Self.needsEscape(scalar) else {
                result.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                let hex = String(scalar.value, radix: 16)
                result += scalar.value < 0x100 ? "\\x" + (hex.count == 1 ? "0" + hex : hex) : "\\u{\(hex)}"
            }
        }
        return result
    }

    /// False when these UTF-8 bytes hold none of the characters `escapingControlCharacters`
    /// escapes; true when they may (C0 and DEL bytes, the lead byte 0xC2 of C1 controls, 0xD8 of
    /// U+061C, and 0xE2 0x80 / 0xE2 0x81 of the bidi marks, overrides and isolates). Byte by byte,
    /// without decoding: report writers ask it for every cell.
    package static func mayHoldControls(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte < 0x20 || byte == 0x7F || byte == 0xC2 || byte == 0xD8 { return true }
            if byte == 0xE2, index + 1 < bytes.count, bytes[index + 1] == 0x80 || bytes[index + 1] == 0x81 { return true }
            index += 1
        }
        return false
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C: true  // bidi embeddings, overrides, isolates, marks
        default: false
        }
    }
}
