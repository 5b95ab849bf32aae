/// Writes CSV (RFC 4180) for exports: fields with commas, quotes or line breaks are quoted, and a field
/// that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or carriage return)
/// gets a leading apostrophe, so an exported name can never execute in the reader's Excel.
public enum CSVWriter {
    /// The UTF-8 byte order mark: Excel opens a UTF-8 CSV as UTF-8 only when it starts with one.
    public static let byteOrderMark = "\u{FEFF}"

    /// One line, with its CRLF.
    public static func line(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }

    /// One field, neutralised and quoted as needed.
    public static func field(_ value: String) -> String {
        var text = value
        if let first = text.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) {
            text = "'" + text
        }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
