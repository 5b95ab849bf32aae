/// Fast trimming for the checks that run once per field of a million-row file. Foundation's
/// `trimmingCharacters(in:)` bridges through NSString and builds a character set per call, which
/// dominated the import's profile.
extension StringProtocol {
    /// The text without leading and trailing whitespace: Unicode white space (spaces, tabs, line
    /// breaks, no-break and ideographic spaces U+00A0 and U+3000) and the byte order mark U+FEFF.
    public func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !Self.isTrimmed($0) }) else { return "" }
        guard let last = scalars.lastIndex(where: { !Self.isTrimmed($0) }) else { return "" }
        if first == scalars.startIndex && scalars.index(after: last) == scalars.endIndex { return String(self) }
        var trimmed = String.UnicodeScalarView()
        trimmed.append(contentsOf: scalars[first...last])
        return String(trimmed)
    }

    private static func isTrimmed(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" }
        // No white space lies above U+3000 (ideographic space): CJK text is decided without a property look-up.
        if scalar.value > 0x3000 { return scalar == "\u{FEFF}" }
        return scalar.properties.isWhitespace
    }
}
