import Foundation
import LifelineAuth
import LifelineEvents
import LifelinePersistence
import Logging

/// A household's coverage as the town and the insurer look it up before a claim: what covers it on a
/// day, its monitoring periods and certifications, and what it has used of each line's yearly cap.
struct CoverageQueries: Sendable {
    let database: Database
    let logger: Logger

    struct View: Encodable, Sendable {
        struct Period: Encodable, Sendable {
            var caseId: String
            var category: String
            var startedOn: String
            var endedOn: String?
        }

        struct LineUse: Encodable, Sendable {
            var line: String
            var name: String
            var committedFen: Int64
            var yearCapFen: Int64
            var remainingFen: Int64
        }

        var householdId: String
        var villageCode: String
        var on: String
        var covered: Bool
        /// `monitored`, `registry` or `certified` when covered.
        var basis: String?
        var category: String?
        var registryCategory: String?
        var monitoringPeriods: [Period]
        var certifications: [CertificationStore.View]
        var year: Int
        var lines: [LineUse]
    }

    func household(_ id: String, on day: String, for user: AuthenticatedUser) async throws -> View {
        try await database.transaction { connection in
            let household = try await CoveredHousehold.find(id, for: user, on: connection, logger: logger)
            let coverage = try await household.coverage(on: day, connection: connection, logger: logger)
            var periods: [View.Period] = []
            let rows = try await connection.query("""
                SELECT case_id, category, to_char(started_on, 'YYYY-MM-DD'), to_char(ended_on, 'YYYY-MM-DD') FROM monitoring_periods
                WHERE household_id = ANY(\(household.lineage)) ORDER BY started_on
                """, logger: logger)
            for try await (caseId, category, started, ended) in rows.decode((String, String, String, String?).self) {
                periods.append(.init(caseId: caseId, category: category, startedOn: started, endedOn: ended))
            }
            var binds = PostgresBindings()
            binds.append(household.lineage)
            let certifications = try await CertificationStore.views(
                where: "household_id = ANY($1) ORDER BY valid_from", binds: binds, on: connection, logger: logger)
            let year = Int(day.prefix(4)) ?? 0
            var lines: [View.LineUse] = []
            for rule in try await PolicyStore.policy(year, on: connection, logger: logger)?.lines ?? [] {
                let used = try await HouseholdUsage.committed(year: year, household: id, line: rule.line, on: connection, logger: logger)
                lines.append(.init(
                    line: rule.line.rawValue, name: rule.line.chineseName, committedFen: used, yearCapFen: rule.yearCapFen,
                    remainingFen: max(0, rule.yearCapFen - used)))
            }
            return View(
                householdId: id, villageCode: household.villageCode, on: day, covered: coverage != nil, basis: coverage?.basis.rawValue,
                category: coverage?.category, registryCategory: household.monitoringCategory, monitoringPeriods: periods,
                certifications: certifications, year: year, lines: lines)
        }
    }
}
