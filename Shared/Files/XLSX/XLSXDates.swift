import Foundation
import LifelineEvents

/// Excel date serials.
enum XLSXDates {
    /// The date of a serial as `YYYY-MM-DD`, ignoring the time of day; nil when out of range.
    ///
    /// 1900 system: serial 1 is 1900-01-01 and, as in Lotus 1-2-3, serial 60 is the nonexistent
    /// 1900-02-29 (rendered as such, so a date check rejects it); from 61 on serials are days since
    /// 1899-12-30. 1904 system: serial 0 is 1904-01-01.
    static func text(serial: Double, date1904: Bool) -> String? {
        guard serial.isFinite, serial >= 0, serial < 2_958_466 else { return nil }  // up to 9999-12-31
        let day = Int(serial.rounded(.down))
        let daysSince1970: Int
        if date1904 {
            daysSince1970 = day - 24_107
        } else {
            guard day >= 1 else { return nil }
            if day == 60 { return "1900-02-29" }
            daysSince1970 = day < 60 ? day - 25_568 : day - 25_569
        }
        return isoDate(daysSince1970: daysSince1970)
    }

    /// The proleptic Gregorian date `days` after 1970-01-01.
    static func isoDate(daysSince1970 days: Int) -> String {
        let (year, month, day) = CivilDay.civil(fromDaysSinceEpoch: days)
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
