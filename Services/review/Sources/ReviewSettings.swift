import Foundation
import LifelineEvents
import LifelinePersistence
import Logging
import LifelineRuntime

/// Review's settings, parsed once at start-up.
struct ReviewSettings: Sendable {
    /// Days a proposal stays announced in the village (公示期); national practice is at least 5.
    var announcementDays: Int
    /// A case this many days or fewer before its deadline is flagged "due soon".
    var dueSoonDays: Int
    /// How often the clock looks for due cases and ended announcements.
    var clockIntervalSeconds: Int
    /// The province whose monitoring lines apply (first two digits of the division code; 37 Shandong).
    var province: String

    init(settings: ConfigReader) throws {
        announcementDays = try settings.int("REVIEW_ANNOUNCEMENT_DAYS", default: 5, range: 0...60)
        dueSoonDays = try settings.int("REVIEW_DUE_SOON_DAYS", default: 3, range: 0...14)
        clockIntervalSeconds = try settings.int("REVIEW_CLOCK_SECONDS", default: 60, range: 1...3600)
        province = settings.string("REVIEW_PROVINCE", default: "37")
    }
}

/// Case and lead numbers: a two-letter prefix, the Beijing date and a 6-digit sequence (AJ20261130000042).
enum ReviewNumbers {
    static func next(_ prefix: String, sequence: String, on connection: PostgresConnection, logger: Logger) async throws -> String {
        let rows = try await connection.query(PostgresQuery(unsafeSQL: """
            SELECT \(RecordNumberSQL.next(prefix: prefix, sequence: sequence))
            """), logger: logger)
        for try await id in rows.decode(String.self) { return id }
        throw ReviewError(.recordMissing, "编号生成失败")
    }
}

/// Today's date in Beijing (yyyy-MM-dd).
enum BeijingDay {
    static func today(_ now: Date = Date()) -> String {
        let number = CivilDay.number(of: now)
        return String(format: "%04d-%02d-%02d", number / 10_000, number / 100 % 100, number % 100)
    }

    static func year(_ now: Date = Date()) -> Int {
        Int(today(now).prefix(4))!
    }

    /// The `yyyy-MM-dd` text of a day number.
    static func text(_ daysSinceEpoch: Int) -> String {
        let (year, month, day) = CivilDay.civil(fromDaysSinceEpoch: daysSinceEpoch)
        return String(format: "%04d-%02d-%02d", year, month, day)
    }

    /// Days since the epoch of a `yyyy-MM-dd` date, `nil` when it is not one.
    static func number(_ text: String) -> Int? {
        guard let (year, month, day) = CivilDay.parse(text) else { return nil }
        return CivilDay.daysSinceEpoch(year: year, month: month, day: day)
    }
}
