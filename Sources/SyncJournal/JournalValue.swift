import GRDB

/// Reads a closed-vocabulary column strictly. GRDB's `DatabaseValueConvertible` subscripts trap
/// on a value they cannot convert, so the text is read and mapped here, and a value the journal
/// does not know becomes a `JournalError` naming the table, the row and the column.
enum JournalValue {
    static func decode<T: RawRepresentable>(
        _ type: T.Type, _ text: String?, table: String, row: String, column: String
    ) throws -> T where T.RawValue == String {
        guard let text, let value = T(rawValue: text) else {
            let shown = text.map { "'\(String($0.prefix(40)))'" } ?? "NULL"
            throw JournalError(.corrupt, "journal row \(table) \(row): \(column) \(shown) is not one of \(T.self)'s values; the journal was changed by hand or is damaged")
        }
        return value
    }

    /// The SQL list of the stored values for which `include` holds, e.g. `('ok', 'partial')`.
    static func sqlList<T: RawRepresentable & CaseIterable>(_ type: T.Type, where include: (T) -> Bool) -> String where T.RawValue == String {
        "(" + T.allCases.filter(include).map { "'\($0.rawValue)'" }.joined(separator: ", ") + ")"
    }
}
