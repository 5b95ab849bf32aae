import Foundation

/// Which number formats show dates.
enum XLSXDateFormat {
    /// Built-in date (and date-time) formats, including the East Asian ones.
    static let builtInDateIds: Set<Int> = Set(14...22).union(27...36).union(45...47).union(50...58)

    static func isDate(numberFormatId: Int, customFormats: [Int: String]) -> Bool {
        if let code = customFormats[numberFormatId] { return isDate(formatCode: code) }
        return builtInDateIds.contains(numberFormatId)
    }

    /// Whether a format code shows a date: after dropping quoted text, escaped characters and
    /// bracketed sections (colours, locales, conditions; elapsed-time `[h]` counts as time), it has
    /// `y` or `d`, or `m` without `h` or `s` (so `mm:ss` and `[h]:mm` are times).
    static func isDate(formatCode: String) -> Bool {
        var letters = Set<Character>()
        var iterator = formatCode.lowercased().makeIterator()
        while let character = iterator.next() {
            switch character {
            case "\"":
                while let quoted = iterator.next(), quoted != "\"" {}
            case "\\", "_", "*":
                _ = iterator.next()
            case "[":
                var content = ""
                while let inner = iterator.next(), inner != "]" { content.append(inner) }
                if !content.isEmpty && content.allSatisfy({ "hms".contains($0) }) {
                    letters.formUnion(content)
                }
            default:
                letters.insert(character)
            }
        }
        if letters.contains("y") || letters.contains("d") { return true }
        return letters.contains("m") && !letters.contains("h") && !letters.contains("s")
    }
}
