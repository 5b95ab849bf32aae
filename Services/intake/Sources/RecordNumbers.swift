import Foundation
import LifelinePersistence
import LifelineRuntime
import Logging

/// Numbers people read out and write down.
enum RecordNumbers {
    /// Prefix + date (Asia/Shanghai) + sequence of at least 6 digits (`prefix` and `sequence` are code
    /// constants), for records only officials look up with a
    /// token, for example `XS20261129000007` (grid lead).
    static func next(_ prefix: String, sequence: String, on connection: PostgresConnection, logger: Logger) async throws -> String {
        for try await number in try await connection.query(
            PostgresQuery(unsafeSQL: "SELECT " + RecordNumberSQL.next(prefix: prefix, sequence: sequence)), logger: logger
        ).decode(String.self) {
            return number
        }
        throw IntakeError(.recordMissing, "服务暂时不可用，请稍后再试")
    }

    /// Prefix + date (Asia/Shanghai) + 8 random digits, for numbers that open something without a
    /// token (an application's progress page), for example `SQ2026113048207316`: neighbouring
    /// numbers tell nothing, and with a few hundred numbers a day a guess hits one in about 300,000.
    /// A number drawn twice fails the primary key and the caller's transaction retries.
    static func unguessable(_ prefix: String, now: Date = Date()) throws -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        let day = calendar.dateComponents([.year, .month, .day], from: now)
        var generator = SystemRandomNumberGenerator()
        let random = UInt32.random(in: 0..<100_000_000, using: &generator)
        return prefix + String(format: "%04d%02d%02d%08u", day.year!, day.month!, day.day!, random)
    }
}
