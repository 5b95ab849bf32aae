import Foundation

/// Calendar days as plain numbers, without `Calendar` (which is costly to build per call and shows on
/// the profile of a million-row import). China keeps one time zone, UTC+8, with no daylight saving since
/// 1991, so dates of today and of the recent past are exact; it is not meant for historical instants.
public enum CivilDay {
    /// Seconds east of UTC of Beijing time, in which Lifeline's dates are kept.
    public static let beijingOffsetSeconds = 8 * 3600

    /// Whether the Gregorian date exists (1 ≤ month ≤ 12, the month has the day).
    public static func isValid(year: Int, month: Int, day: Int) -> Bool {
        guard (1...12).contains(month), day >= 1 else { return false }
        return day <= daysIn(month: month, year: year)
    }

    /// `yyyy-mm-dd`, each part zero-padded as `String(format: "%04d-%02d-%02d")` would, without
    /// Foundation's formatter (which showed in the profile of a million-record import).
    public static func text(year: Int, month: Int, day: Int) -> String {
        padded(year, 4) + "-" + padded(month, 2) + "-" + padded(day, 2)
    }

    /// `yyyy-mm`, zero-padded as `String(format: "%04d-%02d")` would.
    public static func text(year: Int, month: Int) -> String {
        padded(year, 4) + "-" + padded(month, 2)
    }

    private static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value.magnitude)
        let sign = value < 0 ? "-" : ""
        let zeros = max(0, width - sign.count - digits.count)
        return sign + String(repeating: "0", count: zeros) + digits
    }

    /// The date of exactly `yyyy-mm-dd` (ten ASCII characters, digits and two hyphens) when it exists;
    /// nil for any other text: `2026-1-05`, `2026--4-01`, `+2026-1-05`, ` 2026-01-05` and `2026-02-30`
    /// are not dates. Callers compare and key dates as text, so one date must have one spelling.
    public static func parse(_ text: String) -> (year: Int, month: Int, day: Int)? {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              let year = digits(bytes[0..<4]), let month = digits(bytes[5..<7]), let day = digits(bytes[8..<10]),
              isValid(year: year, month: month, day: day)
        else { return nil }
        return (year, month, day)
    }

    /// The month of exactly `yyyy-mm` (seven ASCII characters) when it exists; nil for any other text.
    public static func parseMonth(_ text: String) -> (year: Int, month: Int)? {
        let bytes = Array(text.utf8)
        guard bytes.count == 7, bytes[4] == UInt8(ascii: "-"), let year = digits(bytes[0..<4]), let month = digits(bytes[5..<7]),
              (1...12).contains(month)
        else { return nil }
        return (year, month)
    }

    /// The value of a run of ASCII digits; nil if any byte is not one.
    private static func digits(_ bytes: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for byte in bytes {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// The number of days of a month.
    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// The day of `date` in Beijing time as `yyyymmdd` (e.g. 20261129), for comparing dates as numbers.
    public static func number(of date: Date, offsetSeconds: Int = beijingOffsetSeconds) -> Int {
        let (year, month, day) = civil(fromDaysSinceEpoch: Int(floor((date.timeIntervalSince1970 + Double(offsetSeconds)) / 86_400)))
        return year * 10_000 + month * 100 + day
    }

    /// Days from 1970-01-01 to the date (negative before), the inverse of `civil(fromDaysSinceEpoch:)`.
    /// A day past the month's end counts on into the next month (29 February of 2027 is 1 March).
    public static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// Howard Hinnant's days-to-civil conversion (proleptic Gregorian).
    public static func civil(fromDaysSinceEpoch days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
