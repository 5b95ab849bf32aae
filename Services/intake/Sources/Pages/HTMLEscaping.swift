/// Escaping for text put into HTML, in element content or in a quoted attribute value.
public enum HTML {
    /// Replaces `&`, `<`, `>`, `"` and `'` with character references.
    ///
    /// Works on Unicode scalars, not characters, so that a quote followed by a combining mark (one
    /// `Character`) is still escaped.
    public static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}
