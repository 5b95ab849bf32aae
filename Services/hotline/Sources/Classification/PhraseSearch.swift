/// Exact phrase search on UTF-8 bytes. Foundation's `range(of:)` and `contains(_:)` fold every character
/// through CFString, and the standard library's generic `firstRange(of:)` is not specialised for string
/// views: each took most of hotline's time at 200,000 households (make bench, perf). The rules' phrases
/// and the orders' texts are Chinese, where byte-exact matching finds the same occurrences; texts are
/// short, so a plain scan is enough.
extension StringProtocol {
    /// The first occurrence of `phrase` at or after `start` (the beginning when nil).
    func firstOccurrence(of phrase: String, from start: Index? = nil) -> Range<Index>? {
        let bytes = utf8
        let from = bytes.distance(from: bytes.startIndex, to: start ?? bytes.startIndex)
        guard let offset = PhraseSearch.offsets(of: phrase, in: bytes, from: from, last: false) else { return nil }
        return range(atByteOffset: offset, length: phrase.utf8.count)
    }

    /// The last occurrence of `phrase`.
    func lastOccurrence(of phrase: String) -> Range<Index>? {
        guard let offset = PhraseSearch.offsets(of: phrase, in: utf8, from: 0, last: true) else { return nil }
        return range(atByteOffset: offset, length: phrase.utf8.count)
    }

    /// Whether `phrase` occurs.
    func includes(_ phrase: String) -> Bool { PhraseSearch.offsets(of: phrase, in: utf8, from: 0, last: false) != nil }

    private func range(atByteOffset offset: Int, length: Int) -> Range<Index> {
        let lower = utf8.index(utf8.startIndex, offsetBy: offset)
        return lower..<utf8.index(lower, offsetBy: length)
    }
}

enum PhraseSearch {
    /// The byte offset of the first (or last) occurrence of `phrase` in `text` at or after `from`.
    static func offsets<Text: Collection<UInt8>>(of phrase: String, in text: Text, from: Int, last: Bool) -> Int? {
        guard !phrase.isEmpty else { return nil }
        // Native strings hand out their bytes without a copy; the copies are for bridged ones only.
        func search(_ needle: UnsafeBufferPointer<UInt8>) -> Int? {
            if let found = text.withContiguousStorageIfAvailable({ scan(needle, in: $0, from: from, last: last) }) { return found }
            return Array(text).withUnsafeBufferPointer { scan(needle, in: $0, from: from, last: last) }
        }
        if let found = phrase.utf8.withContiguousStorageIfAvailable(search) { return found }
        return Array(phrase.utf8).withUnsafeBufferPointer(search)
    }

    private static func scan(_ needle: UnsafeBufferPointer<UInt8>, in haystack: UnsafeBufferPointer<UInt8>, from: Int, last: Bool) -> Int? {
        let count = needle.count
        guard from >= 0, haystack.count - from >= count else { return nil }
        let highest = haystack.count - count
        var position = last ? highest : from
        while position >= from && position <= highest {
            if haystack[position] == needle[0] {
                var matched = 1
                while matched < count && haystack[position + matched] == needle[matched] { matched += 1 }
                if matched == count { return position }
            }
            position += last ? -1 : 1
        }
        return nil
    }
}
