import Foundation

/// Turns a cell's type, style and stored value into the text an import works with.
struct XLSXCellFormatter {
    var sharedStrings: [String]
    /// Per cell format index: whether the format shows a date.
    var dateStyles: [Bool]
    /// The 1904 date system (`<workbookPr date1904="1"/>`).
    var date1904: Bool

    func text(type: String?, style: Int?, value: String, inline: String, row: Int) throws -> String {
        switch type ?? "n" {
        case "s":
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let index = Int(trimmed), sharedStrings.indices.contains(index) else {
                throw XLSXPackage.failure("A cell refers to a shared string that does not exist.", line: row)
            }
            return sharedStrings[index]
        case "inlineStr":
            return OOXMLText.unescape(inline)
        case "str", "e":
            return value
        case "b":
            switch value.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() {
            case "": return ""
            case "1", "true": return "TRUE"
            default: return "FALSE"
            }
        case "d":
            // ISO 8601 date (strict OOXML); keep the date part.
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed.count >= 10 ? String(trimmed.prefix(10)) : trimmed
        default:
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { return OOXMLText.unescape(inline) }
            if let style, dateStyles.indices.contains(style), dateStyles[style],
                let serial = Double(trimmed), let date = XLSXDates.text(serial: serial, date1904: date1904)
            {
                return date
            }
            return XLSXNumberText.render(trimmed)
        }
    }
}
