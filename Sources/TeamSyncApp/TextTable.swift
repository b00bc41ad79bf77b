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

    /// The header, then each row (a row may take several lines). No line ends in spaces. Long
    /// tables are escaped, measured and laid out one slice per core.
    func render(lanes: Int = Lanes.available) -> [String] {
        let all = [columns.map(\.header)] + rows
        let columns = self.columns
        let slices = Lanes.slices(all.count, lanes: lanes)
        let measured = Lanes.map(slices) { range in
            var widths = [Int](repeating: 0, count: columns.count)
            let cells = all[range].map { row in
                columns.indices.map { index in
                    let cell = index < row.count ? row[index].escapingControlCharacters : ""
                    widths[index] = max(widths[index], Self.width(cell))
                    return cell
                }
            }
            return (cells: cells, widths: widths)
        }
        let widths = columns.indices.map { index -> Int in
            let longest = measured.map { $0.widths[index] }.max() ?? 0
            return columns[index].limit.map { min($0, longest) } ?? longest
        }
        return Lanes.each(measured.count) { slice in
            var lines: [String] = []
            for row in measured[slice].cells { Self.layOut(row, widths: widths, into: &lines) }
            return lines
        }.flatMap { $0 }
    }

    /// One row's lines: each cell wrapped to its column, padded, two spaces between columns.
    private static func layOut(_ row: [String], widths: [Int], into lines: inout [String]) {
        let pieces = row.indices.map { index in wrap(row[index], width: max(1, widths[index])) }
        let height = pieces.map(\.count).max() ?? 1
        var text = ByteText(capacity: 160)
        for line in 0..<height {
            text.bytes.removeAll(keepingCapacity: true)
            for index in row.indices {
                let piece = line < pieces[index].count ? pieces[index][line] : ""
                text.append(piece)
                if index < row.count - 1 {
                    text.bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: max(0, widths[index] - width(piece)) + 2))
                }
            }
            while text.bytes.last == UInt8(ascii: " ") { text.bytes.removeLast() }
            lines.append(text.string)
        }
    }

    /// Characters in `text`; ASCII (nearly every cell) is counted by its bytes, without grapheme breaking.
    static func width(_ text: String) -> Int {
        var text = text
        return text.withUTF8 { bytes in bytes.allSatisfy { $0 < 0x80 } } ? text.utf8.count : text.count
    }

    /// `text` in lines of at most `width` characters.
    static func wrap(_ text: String, width: Int) -> [String] {
        guard Self.width(text) > width else { return [text] }
        var probe = text
        if let lines = probe.withUTF8({ bytes in bytes.allSatisfy { $0 < 0x80 } ? wrapASCII(bytes, width: width) : nil }) { return lines }
        return wrapCharacters(text, width: width)
    }

    /// `wrap` by characters (any text).
    static func wrapCharacters(_ text: String, width: Int) -> [String] {
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

extension TextTable {
    /// `wrap` for ASCII text, on its bytes (a character is a byte): the same cuts.
    static func wrapASCII(_ bytes: UnsafeBufferPointer<UInt8>, width: Int) -> [String] {
        let space = UInt8(ascii: " ")
        var lines: [String] = []
        var start = 0
        while bytes.count - start > width {
            let end = start + width
            var cut = end
            if bytes[end] == space {
                cut = end
            } else if let found = (start..<end).last(where: { bytes[$0] == space }), found - start >= width / 3 {
                cut = found + 1
            } else if let found = (start..<end).last(where: { "@.,/".utf8.contains(bytes[$0]) }), found - start >= width / 2 {
                cut = found + 1
            }
            var last = cut
            while last > start, bytes[last - 1] == space { last -= 1 }
            lines.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<last]), as: UTF8.self))
            start = cut
            while start < bytes.count, bytes[start] == space { start += 1 }
        }
        if start < bytes.count { lines.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start...]), as: UTF8.self)) }
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
