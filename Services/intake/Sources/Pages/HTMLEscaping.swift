/// Escaping for text put into HTML or XML (the pages and the SVG posters), in element content or in a
/// quoted attribute value.
public enum HTML {
    /// Replaces `&`, `<`, `>`, `"` and `'` with character references. With `droppingXMLForbidden`,
    /// also leaves out the control characters XML 1.0 forbids (tab, line feed and carriage return stay).
    ///
    /// Works on Unicode scalars, not characters, so that a quote followed by a combining mark (one
    /// `Character`) is still escaped.
    public static func escape(_ text: String, droppingXMLForbidden: Bool = false) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            case "\t", "\n", "\r": escaped.unicodeScalars.append(scalar)
            default:
                let forbidden = scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF
                if droppingXMLForbidden && forbidden { continue }
                escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}
