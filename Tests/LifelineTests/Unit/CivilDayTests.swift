import Foundation
import LifelineEvents
import Testing

/// Calendar arithmetic without Calendar, checked against Foundation's calendar.
@Suite struct CivilDayTests {
    /// One spelling per date: what is not exactly `yyyy-mm-dd` (or `yyyy-mm`) is not read at all.
    @Test func onlyTheExactSpellingParses() {
        #expect(CivilDay.parse("2026-04-01")! == (2026, 4, 1))
        #expect(CivilDay.parse("2024-02-29")! == (2024, 2, 29))
        for text in ["2026--4-01", "2026-4-01", "+2026-4-01", "2026-04-1 ", " 2026-04-1", "2026-02-29", "2026-13-01", "2026/04/01", "２０２６-04-01", ""] {
            #expect(CivilDay.parse(text) == nil, "\(text)")
        }
        #expect(CivilDay.parseMonth("2026-11")! == (2026, 11))
        for text in ["2026--1", "2026-+1", "2026-1", "2026-00", "2026-13", "202611"] {
            #expect(CivilDay.parseMonth(text) == nil, "\(text)")
        }
    }

    @Test func leapYearsAndMonthLengths() {
        #expect(CivilDay.isValid(year: 2024, month: 2, day: 29))
        #expect(!CivilDay.isValid(year: 2023, month: 2, day: 29))
        #expect(!CivilDay.isValid(year: 1900, month: 2, day: 29))
        #expect(CivilDay.isValid(year: 2000, month: 2, day: 29))
        #expect(!CivilDay.isValid(year: 2026, month: 4, day: 31))
        #expect(!CivilDay.isValid(year: 2026, month: 13, day: 1))
        #expect(!CivilDay.isValid(year: 2026, month: 1, day: 0))
    }

    @Test func textIsPaddedAsPrintfWouldPadIt() {
        for (year, month, day) in [(2026, 11, 3), (5, 1, 1), (0, 0, 0), (12345, 123, 45), (-5, 3, -7), (2026, 12, 31)] {
            #expect(CivilDay.text(year: year, month: month, day: day) == String(format: "%04d-%02d-%02d", year, month, day))
            #expect(CivilDay.text(year: year, month: month) == String(format: "%04d-%02d", year, month))
        }
    }

    @Test func beijingDayOfAnInstantMatchesFoundation() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        // Every ~37 hours since 1992 (China last kept daylight saving in 1991, which a fixed UTC+8 ignores:
        // harmless for comparing today's date, which is what the rule is for).
        var instant = Date(timeIntervalSince1970: 694_224_000)  // 1992-01-01T00:00:00Z
        while instant < Date(timeIntervalSince1970: 1_900_000_000) {
            let parts = calendar.dateComponents([.year, .month, .day], from: instant)
            #expect(CivilDay.number(of: instant) == parts.year! * 10_000 + parts.month! * 100 + parts.day!)
            instant.addTimeInterval(133_337)
        }
        #expect(CivilDay.number(of: Date(timeIntervalSince1970: 1_795_967_999)) == 20261129)  // 2026-11-29T15:59:59Z = 23:59:59 in Beijing
        #expect(CivilDay.number(of: Date(timeIntervalSince1970: 1_795_968_000)) == 20261130)
    }
}

@Suite struct WhitespaceTests {
    @Test(arguments: [
        ("  张三 ", "张三"), ("\u{3000}李四\u{3000}", "李四"), ("\u{FEFF}户编号", "户编号"), ("\t\r\n", ""), ("", ""), ("a b", "a b"),
        ("\u{00A0}x\u{00A0}", "x"), ("no-trim", "no-trim"),
    ])
    func trimsUnicodeWhitespaceAndTheByteOrderMark(text: String, expected: String) {
        #expect(text.trimmingWhitespace() == expected)
    }
}

@Suite struct EventTimestampTests {
    @Test func formattingMatchesFoundationAndParsingRoundTrips() {
        let formatter = ISO8601DateFormatter()  // whole seconds; the milliseconds are checked separately
        var instant = Date(timeIntervalSince1970: -86_400 * 365 * 30 + 0.123)
        while instant < Date(timeIntervalSince1970: 4_102_444_800) {  // to 2100
            let text = EventJSON.formatTimestamp(instant)
            let milliseconds = Int(((instant.timeIntervalSince1970 * 1_000_000).rounded() / 1000).rounded(.down))
            let seconds = Int((Double(milliseconds) / 1000).rounded(.down))
            let expectedSeconds = formatter.string(from: Date(timeIntervalSince1970: Double(seconds)))  // …:SSZ
            #expect(text == expectedSeconds.dropLast() + "." + String(format: "%03d", milliseconds - seconds * 1000) + "Z")
            let parsed = EventJSON.parseTimestamp(text)
            #expect(parsed.map { abs($0.timeIntervalSince1970 - Double(milliseconds) / 1000) < 0.0005 } == true)
            instant.addTimeInterval(7_654_321.987)
        }
        // An exact millisecond stored as …455999… prints as .456.
        #expect(EventJSON.formatTimestamp(Date(timeIntervalSince1970: 1_649_095_834.4559999)) == "2022-04-04T18:10:34.456Z")
        #expect(EventJSON.parseTimestamp("2026-11-29T12:34:56Z") == Date(timeIntervalSince1970: 1_795_955_696))
        #expect(EventJSON.parseTimestamp("2026-11-29T20:34:56+08:00") == Date(timeIntervalSince1970: 1_795_955_696))
    }
}
