import Foundation
import LifelineEvents
import Testing

/// Calendar arithmetic without Calendar, checked against Foundation's calendar.
@Suite struct CivilDayTests {
    @Test func leapYearsAndMonthLengths() {
        #expect(CivilDay.isValid(year: 2024, month: 2, day: 29))
        #expect(!CivilDay.isValid(year: 2023, month: 2, day: 29))
        #expect(!CivilDay.isValid(year: 1900, month: 2, day: 29))
        #expect(CivilDay.isValid(year: 2000, month: 2, day: 29))
        #expect(!CivilDay.isValid(year: 2026, month: 4, day: 31))
        #expect(!CivilDay.isValid(year: 2026, month: 13, day: 1))
        #expect(!CivilDay.isValid(year: 2026, month: 1, day: 0))
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
