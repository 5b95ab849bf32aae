import Foundation

/// The JSON coding every Lifeline event payload uses: ISO 8601 dates, sorted keys.
public enum EventJSON {
    /// Encoder for payloads: dates as RFC 3339 with milliseconds. One shared instance: configured once,
    /// never changed, so it is safe to use from any task (a coder per event was measurable).
    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(formatTimestamp(date))
        }
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Decoder for payloads, shared like the encoder.
    public static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            if let date = parseTimestamp(text) { return date }
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an RFC 3339 timestamp")
        }
        return decoder
    }()

    /// Parses RFC 3339 timestamps with or without fractional seconds. The form Lifeline writes
    /// (`2026-11-29T12:34:56.789Z`) is read by arithmetic; other forms through `ISO8601DateFormatter`.
    public static func parseTimestamp(_ text: String) -> Date? {
        if let date = parseUTCTimestamp(text) { return date }
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }

    /// Formats a timestamp as RFC 3339 in UTC with milliseconds (`2026-11-29T12:34:56.789Z`), by
    /// arithmetic: a formatter per call showed as a third of a bulk import's time.
    public static func formatTimestamp(_ date: Date) -> String {
        // Round to microseconds first: an exact millisecond read back from PostgreSQL may be stored as
        // …455999… and must print as .456, not .455.
        let microseconds = (date.timeIntervalSince1970 * 1_000_000).rounded()
        let milliseconds = Int((microseconds / 1000).rounded(.down))
        let days = Int((Double(milliseconds) / 86_400_000).rounded(.down))
        var rest = milliseconds - days * 86_400_000
        let (year, month, day) = CivilDay.civil(fromDaysSinceEpoch: days)
        let hour = rest / 3_600_000
        rest -= hour * 3_600_000
        let minute = rest / 60_000
        rest -= minute * 60_000
        let second = rest / 1000
        let millisecond = rest - second * 1000
        var text = ""
        text.reserveCapacity(24)
        append(year, width: 4, to: &text)
        text += "-"
        append(month, width: 2, to: &text)
        text += "-"
        append(day, width: 2, to: &text)
        text += "T"
        append(hour, width: 2, to: &text)
        text += ":"
        append(minute, width: 2, to: &text)
        text += ":"
        append(second, width: 2, to: &text)
        text += "."
        append(millisecond, width: 3, to: &text)
        text += "Z"
        return text
    }

    private static func append(_ value: Int, width: Int, to text: inout String) {
        let digits = String(value)
        if digits.count < width { text += String(repeating: "0", count: width - digits.count) }
        text += digits
    }

    /// `YYYY-MM-DDTHH:MM:SS[.f…]Z`, or nil for any other form.
    private static func parseUTCTimestamp(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.last == 0x5A, bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x54, bytes[13] == 0x3A,
            bytes[16] == 0x3A
        else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
            let minute = number(14..<16), let second = number(17..<19), CivilDay.isValid(year: year, month: month, day: day),
            hour < 24, minute < 60, second < 61
        else { return nil }
        var fraction = 0.0
        if bytes.count > 20 {
            guard bytes[19] == 0x2E, bytes.count > 21 else { return nil }
            var scale = 0.1
            for byte in bytes[20..<(bytes.count - 1)] {
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                fraction += Double(byte - 0x30) * scale
                scale /= 10
            }
        } else if bytes[19] != 0x5A {
            return nil
        }
        let seconds = CivilDay.daysSinceEpoch(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }
}
