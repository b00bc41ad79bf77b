import TeamSyncCore

/// A plain-text table whose columns line up whatever the lengths: a cell wider than its
/// column's limit wraps onto continuation lines (at a space, "@", "." or "," when one is near,
/// else hard), so nothing is cut off and nothing pushes the next column out of line. Cells
/// are escaped first (no control character reaches the terminal) and measured in characters.
struct TextTable {
    struct Column {
        var header: String
        /// The widest the column gets; nil for no limit (only sensible for the last column).
        var limit: Int?
    }

    var columns: [Column]
    var rows: [[String]] = []

    init(_ columns: [Column]) {
        self.columns = columns
    }

    mutating func append(_ row: [String]) {
        rows.append(row)
    }

    /// The header, then each row (a row may take several lines). No line ends in spaces.
    func render() -> [String] {
        let escaped = ([columns.map(\.header)] + rows).map { row in
            columns.indices.map { index in index < row.count ? row[index].escapingControlCharacters : "" }
        }
        let widths = columns.indices.map { index -> Int in
            let longest = escaped.map { Self.width($0[index]) }.max() ?? 0
            return columns[index].limit.map { min($0, longest) } ?? longest
        }
        var lines: [String] = []
        for row in escaped {
            let pieces = columns.indices.map { index in Self.wrap(row[index], width: max(1, widths[index])) }
            let height = pieces.map(\.count).max() ?? 1
            for line in 0..<height {
                var text = ""
                for index in columns.indices {
                    let piece = line < pieces[index].count ? pieces[index][line] : ""
                    if index == columns.count - 1 {
                        text += piece
                    } else {
                        text += piece + String(repeating: " ", count: max(0, widths[index] - Self.width(piece))) + "  "
                    }
                }
                while text.last == " " { text.removeLast() }
                lines.append(text)
            }
        }
        return lines
    }

    /// Characters in `text`; ASCII (nearly every cell) is counted by its bytes, without grapheme breaking.
    static func width(_ text: String) -> Int {
        var text = text
        return text.withUTF8 { bytes in bytes.allSatisfy { $0 < 0x80 } } ? text.utf8.count : text.count
    }

    /// `text` in lines of at most `width` characters.
    static func wrap(_ text: String, width: Int) -> [String] {
        guard Self.width(text) > width else { return [text] }
        var lines: [String] = []
        var rest = Substring(text)
        while rest.count > width {
            let window = rest.prefix(width)
            // Break after a separator in the second half of the window, if there is one.
            // Break after a space in the last two thirds of the window, else after "@", ".", ","
            // or "/" in its second half, else hard.
            var cut = window.endIndex
            if rest[window.endIndex] == " " {
                cut = window.endIndex
            } else if let space = window.lastIndex(of: " "), window.distance(from: window.startIndex, to: space) >= width / 3 {
                cut = window.index(after: space)
            } else if let separator = window.lastIndex(where: { "@.,/".contains($0) }),
               window.distance(from: window.startIndex, to: separator) >= width / 2
            {
                cut = window.index(after: separator)
            }
            lines.append(String(rest[rest.startIndex..<cut]).trimmingTrailingSpaces)
            rest = rest[cut...]
            while rest.first == " " { rest = rest.dropFirst() }
        }
        if !rest.isEmpty { lines.append(String(rest)) }
        return lines
    }
}

extension String {
    fileprivate var trimmingTrailingSpaces: String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
