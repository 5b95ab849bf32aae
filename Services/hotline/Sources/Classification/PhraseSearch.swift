/// Exact phrase search on UTF-8 bytes. Foundation's `range(of:)` and `contains(_:)` fold every character
/// through CFString and took two thirds of hotline's time at 200,000 households (make bench, perf);
/// the rules' phrases and the orders' texts are Chinese, where byte-exact matching finds the same
/// occurrences.
extension StringProtocol {
    /// The first occurrence of `phrase` at or after `start` (the beginning when nil).
    func firstOccurrence(of phrase: String, from start: Index? = nil) -> Range<Index>? {
        guard !phrase.isEmpty else { return nil }
        let bytes = utf8
        return bytes[(start ?? bytes.startIndex)...].firstRange(of: phrase.utf8)
    }

    /// The last occurrence of `phrase`.
    func lastOccurrence(of phrase: String) -> Range<Index>? {
        guard !phrase.isEmpty else { return nil }
        return utf8.ranges(of: phrase.utf8).last
    }

    /// Whether `phrase` occurs.
    func includes(_ phrase: String) -> Bool { firstOccurrence(of: phrase) != nil }
}
