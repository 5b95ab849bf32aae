import Foundation
import LifelineEvents
import LifelinePersistence

/// Figures from review's own data, for a region: monitored households and people by category, town,
/// discovery road and risk type; eliminated this year; open cases by step; overdue cases; the trend of
/// the last twelve months.
struct Statistics: Encodable, Sendable {
    struct Count: Encodable, Sendable {
        var key: String
        var name: String
        var households: Int
        var people: Int
    }

    /// One calendar month (Beijing time) of the trend: households that entered monitoring in it, whose
    /// risk was eliminated in it, and monitored at its end (or today, for the current month).
    struct Month: Encodable, Sendable {
        var month: String
        var entered: Int
        var eliminated: Int
        var monitoredAtEnd: Int
        var peopleAtEnd: Int
    }

    var region: String
    var monitoredHouseholds: Int
    var monitoredPeople: Int
    var byCategory: [Count]
    var byTown: [Count]
    var byRoad: [Count]
    var byRisk: [Count]
    var eliminatedThisYear: Int
    var openCasesByStage: [String: Int]
    var overdueCases: Int
    /// The last twelve months, oldest first, ending with the current month.
    var byMonth: [Month]
    /// 15户41人：7户边缘易致贫户，8户突发严重困难户 (the way the district reports it).
    var summary: String
}

extension CaseStore {
    func statistics(regionPrefix: String) async throws -> Statistics {
        try await database.transaction { connection in
            let like = regionPrefix + "%"
            func counts(_ expression: String, join: String = "", name: (String) -> String) async throws -> [Statistics.Count] {
                let rows = try await connection.query(PostgresQuery(unsafeSQL: """
                    SELECT \(expression) AS key, count(DISTINCT household_id)::int, coalesce(sum(people), 0)::int
                    FROM monitored_households m \(join) WHERE ended_on IS NULL AND village_code LIKE $1 GROUP BY 1 ORDER BY 1
                    """, binds: try Self.bind(like)), logger: logger)
                var list: [Statistics.Count] = []
                for try await (key, households, people) in rows.decode((String, Int, Int).self) {
                    list.append(.init(key: key, name: name(key), households: households, people: people))
                }
                return list
            }
            let byCategory = try await counts("category") { MonitoringCategory(uncheckedRawValue: $0).chineseName }
            var townNames: [String: String] = [:]
            let nameRows = try await connection.query("SELECT code, name FROM grid_units WHERE level = 'town' AND code LIKE \(like)", logger: logger)
            for try await (code, name) in nameRows.decode((String, String).self) { townNames[code] = name }
            let byTown = try await counts("town_code") { townNames[$0] ?? $0 }
            let byRoad = try await counts("road") { DiscoveryRoad(uncheckedRawValue: $0).chineseName }
            let byRisk = try await counts("risk", join: "CROSS JOIN LATERAL unnest(m.risks) AS r(risk)") { DifficultyType(uncheckedRawValue: $0).chineseName }
            let households = byCategory.reduce(0) { $0 + $1.households }
            let people = byCategory.reduce(0) { $0 + $1.people }
            var eliminated = 0
            let eliminatedRows = try await connection.query("""
                SELECT count(*)::int FROM monitored_households WHERE village_code LIKE \(like) AND ended_on IS NOT NULL
                  AND extract(year FROM ended_on) = extract(year FROM now() AT TIME ZONE 'Asia/Shanghai')
                """, logger: logger)
            for try await value in eliminatedRows.decode(Int.self) { eliminated = value }
            var stages: [String: Int] = [:]
            var overdue = 0
            let stageRows = try await connection.query("""
                SELECT stage, count(*)::int, count(*) FILTER (WHERE due_by < now())::int FROM cases
                WHERE closed_at IS NULL AND village_code LIKE \(like) GROUP BY stage
                """, logger: logger)
            for try await (stage, count, late) in stageRows.decode((String, Int, Int).self) {
                stages[stage] = count
                overdue += late
            }
            var byMonth: [Statistics.Month] = []
            let monthRows = try await connection.query(PostgresQuery(unsafeSQL: """
                WITH months AS (
                    SELECT generate_series(
                        date_trunc('month', (now() AT TIME ZONE 'Asia/Shanghai')::date) - interval '11 months',
                        date_trunc('month', (now() AT TIME ZONE 'Asia/Shanghai')::date), interval '1 month')::date AS first_day
                )
                SELECT to_char(first_day, 'YYYY-MM'),
                    count(*) FILTER (WHERE m.started_on >= first_day AND m.started_on < first_day + interval '1 month')::int,
                    count(*) FILTER (WHERE m.ended_on >= first_day AND m.ended_on < first_day + interval '1 month')::int,
                    count(*) FILTER (WHERE m.started_on < first_day + interval '1 month'
                        AND (m.ended_on IS NULL OR m.ended_on >= first_day + interval '1 month'))::int,
                    coalesce(sum(m.people) FILTER (WHERE m.started_on < first_day + interval '1 month'
                        AND (m.ended_on IS NULL OR m.ended_on >= first_day + interval '1 month')), 0)::int
                FROM months LEFT JOIN monitored_households m ON m.village_code LIKE $1
                GROUP BY first_day ORDER BY first_day
                """, binds: try Self.bind(like)), logger: logger)
            for try await (month, entered, ended, atEnd, people) in monthRows.decode((String, Int, Int, Int, Int).self) {
                byMonth.append(.init(month: month, entered: entered, eliminated: ended, monitoredAtEnd: atEnd, peopleAtEnd: people))
            }
            let parts = byCategory.map { "\($0.households)户\($0.name)" }.joined(separator: "，")
            return Statistics(
                region: regionPrefix, monitoredHouseholds: households, monitoredPeople: people, byCategory: byCategory, byTown: byTown,
                byRoad: byRoad, byRisk: byRisk, eliminatedThisYear: eliminated, openCasesByStage: stages, overdueCases: overdue, byMonth: byMonth,
                summary: "\(households)户\(people)人" + (parts.isEmpty ? "" : "：\(parts)"))
        }
    }

    fileprivate static func bind(_ value: String) throws -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(value)
        return binds
    }
}
